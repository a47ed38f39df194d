using BlockCrypt.Storage;
using static BlockCrypt.Volume.Format.MetadataLayout;

namespace BlockCrypt.Volume.Format;

/// <summary>State of one metadata copy as found when opening.</summary>
public enum CopyState
{
    /// <summary>Valid and the newest.</summary>
    Current,
    /// <summary>Valid but older than the newest (an interrupted update).</summary>
    Stale,
    /// <summary>Magic present, checksum or structure wrong.</summary>
    Damaged,
    /// <summary>No magic (blank or overwritten).</summary>
    Missing,
    /// <summary>Valid checksum but a format version this build does not read.</summary>
    Unsupported,
}

/// <summary>Health of one metadata copy.</summary>
/// <param name="Index">0-based copy index.</param>
/// <param name="Offset">Byte offset of its region.</param>
/// <param name="State">What was found.</param>
/// <param name="Sequence">Its sequence when valid, else 0.</param>
/// <param name="Detail">Why it is damaged, or empty.</param>
public sealed record CopyHealth(int Index, long Offset, CopyState State, ulong Sequence, string Detail);

/// <summary>
/// Reads and writes the metadata copies on the container (docs/format.md §2, §6). An update writes one copy, syncs,
/// then the next: a crash leaves every copy either old-and-valid, new-and-valid, or torn (checksum fails), so the newest
/// valid copy is always a complete old or new state.
/// </summary>
public static class MetadataStore
{
    /// <summary>What <see cref="Read"/> found.</summary>
    public sealed record ReadResult(VolumeMetadata? Newest, byte[]? NewestBytes, CopyHealth[] Copies, ulong MaxSequence);

    /// <summary>Reads and parses every copy. Never throws on content; I/O errors become <see cref="VolumeErrorCode.Io"/>.</summary>
    public static ReadResult Read(IBlockDevice container)
    {
        var copies = new CopyHealth[CopyCount];
        VolumeMetadata? newest = null;
        byte[]? newestBytes = null;
        ulong maxSequence = 0;
        byte[] region = new byte[CopyRegionSize];
        for (int i = 0; i < CopyCount; i++)
        {
            Io(() => container.Read(CopyOffset(i) / container.SectorSize, region));
            var status = MetadataCodec.TryParse(region, out var metadata, out string reason);
            CopyState state = status switch
            {
                MetadataCodec.ParseStatus.Valid => CopyState.Current,
                MetadataCodec.ParseStatus.NoMagic => CopyState.Missing,
                MetadataCodec.ParseStatus.Unsupported => CopyState.Unsupported,
                _ => CopyState.Damaged,
            };
            copies[i] = new CopyHealth(i, CopyOffset(i), state, metadata?.Sequence ?? 0, reason);
            if (metadata is null) continue;
            maxSequence = Math.Max(maxSequence, metadata.Sequence);
            if (newest is null || metadata.Sequence > newest.Sequence)
            {
                newest = metadata;
                newestBytes = region.AsSpan(0, MetadataCodec.CopyLength(region)).ToArray();
            }
        }
        for (int i = 0; i < CopyCount; i++)
        {
            if (copies[i].State == CopyState.Current && copies[i].Sequence != newest!.Sequence)
                copies[i] = copies[i] with { State = CopyState.Stale };
        }
        return new ReadResult(newest, newestBytes, copies, maxSequence);
    }

    /// <summary>
    /// Writes <paramref name="copy"/> (serialized) with <paramref name="sequence"/> to the copies in <paramref name="which"/>
    /// (all when null), one at a time, each followed by a flush (fsync).
    /// </summary>
    public static void Write(IBlockDevice container, byte[] copy, ulong sequence, IEnumerable<int>? which = null)
    {
        MetadataCodec.SetSequence(copy, sequence);
        int padded = (copy.Length + IoSectorSize - 1) / IoSectorSize * IoSectorSize;
        byte[] sector = new byte[padded];
        copy.CopyTo(sector, 0);
        foreach (int i in which ?? Enumerable.Range(0, CopyCount))
        {
            Io(() =>
            {
                container.Write(CopyOffset(i) / container.SectorSize, sector);
                container.Flush();
            });
        }
    }

    /// <summary>Overwrites every copy region and the reserved area up to the data offset with zeros, syncing after each.</summary>
    public static void Wipe(IBlockDevice container)
    {
        byte[] zeros = new byte[CopyRegionSize];
        for (long offset = 0; offset < DataOffset; offset += CopyRegionSize)
        {
            long at = offset;
            Io(() =>
            {
                container.Write(at / container.SectorSize, zeros);
                container.Flush();
            });
        }
    }

    private static void Io(Action action)
    {
        try
        {
            action();
        }
        catch (IOException e)
        {
            throw new VolumeException(VolumeErrorCode.Io, $"Container I/O failed: {e.Message}", e);
        }
    }
}
