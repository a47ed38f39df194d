using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Volume.Protectors;
using static BlockCrypt.Volume.Format.MetadataLayout;

namespace BlockCrypt.Volume.Format;

/// <summary>
/// Serializes and parses one metadata copy (docs/format.md §3). Parsing reads untrusted bytes: every length and count
/// is checked against the bytes present and the documented bounds before use, and any violation yields a
/// <see cref="ParseStatus.Damaged"/> result (never an exception).
/// </summary>
public static class MetadataCodec
{
    /// <summary>Result kind of <see cref="TryParse"/>.</summary>
    public enum ParseStatus
    {
        /// <summary>A valid copy.</summary>
        Valid,
        /// <summary>No magic: not BlockCrypt metadata (blank, erased or foreign).</summary>
        NoMagic,
        /// <summary>Magic present but checksum or structure wrong.</summary>
        Damaged,
        /// <summary>A version this build does not read.</summary>
        Unsupported,
    }

    private const int BodyFixedLength = 36;
    private const int RecordFixedLength = 38;

    /// <summary>Serializes <paramref name="metadata"/> (its <see cref="VolumeMetadata.Mac"/> included) with checksum.</summary>
    /// <exception cref="VolumeException"><see cref="VolumeErrorCode.MetadataFull"/> when it exceeds a copy region.</exception>
    public static byte[] Serialize(VolumeMetadata metadata)
    {
        int length = HeaderLength + BodyFixedLength + metadata.WrappedFvek.Length;
        foreach (var p in metadata.Protectors)
            length += RecordFixedLength + Encoding.UTF8.GetByteCount(p.Description) + p.Parameters.Length + p.WrappedVmk.Length;
        length += MacLength + ChecksumLength;
        if (length > CopyRegionSize || metadata.Protectors.Count > MaxProtectors)
            throw new VolumeException(VolumeErrorCode.MetadataFull, $"The metadata would exceed its {CopyRegionSize / 1024} KiB region or {MaxProtectors} protectors.");

        var buffer = new byte[length];
        Span<byte> b = buffer;
        Magic.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffVersion..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffHeaderLength..], HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffCopyLength..], (uint)length);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffSequence..], metadata.Sequence);
        metadata.VolumeId.TryWriteBytes(b[OffVolumeId..]);

        int o = HeaderLength;
        BinaryPrimitives.WriteUInt16LittleEndian(b[o..], (ushort)metadata.Cipher);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(o + 4)..], (uint)metadata.SectorSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[(o + 8)..], metadata.DataOffset);
        BinaryPrimitives.WriteInt64LittleEndian(b[(o + 16)..], metadata.DataSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[(o + 24)..], metadata.Created.ToUnixTimeSeconds());
        BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 32)..], (ushort)metadata.WrappedFvek.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 34)..], (ushort)metadata.Protectors.Count);
        o += BodyFixedLength;
        metadata.WrappedFvek.CopyTo(b[o..]);
        o += metadata.WrappedFvek.Length;
        foreach (var p in metadata.Protectors)
        {
            byte[] description = Encoding.UTF8.GetBytes(p.Description);
            int recordLength = RecordFixedLength + description.Length + p.Parameters.Length + p.WrappedVmk.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(b[o..], (uint)recordLength);
            p.Id.TryWriteBytes(b[(o + 4)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 20)..], (ushort)p.Kind);
            BinaryPrimitives.WriteInt64LittleEndian(b[(o + 24)..], p.Created.ToUnixTimeSeconds());
            BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 32)..], (ushort)description.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 34)..], (ushort)p.Parameters.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 36)..], (ushort)p.WrappedVmk.Length);
            o += RecordFixedLength;
            description.CopyTo(b[o..]);
            o += description.Length;
            p.Parameters.CopyTo(b[o..]);
            o += p.Parameters.Length;
            p.WrappedVmk.CopyTo(b[o..]);
            o += p.WrappedVmk.Length;
        }
        metadata.Mac.CopyTo(b[o..]);
        SetChecksum(buffer);
        return buffer;
    }

    /// <summary>Recomputes the trailing SHA-256 checksum of a serialized copy (after the sequence changed).</summary>
    public static void SetChecksum(Span<byte> copy) => SHA256.HashData(copy[..^ChecksumLength], copy[^ChecksumLength..]);

    /// <summary>Sets the sequence field of a serialized copy and its checksum.</summary>
    public static void SetSequence(Span<byte> copy, ulong sequence)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(copy[OffSequence..], sequence);
        SetChecksum(copy);
    }

    /// <summary>
    /// The bytes the metadata MAC covers: the whole copy before the MAC, with the sequence field read as zero (so copies
    /// and restored backups differ only in sequence and checksum, neither of which needs the key).
    /// </summary>
    public static byte[] MacInput(ReadOnlySpan<byte> copy)
    {
        byte[] input = copy[..^(MacLength + ChecksumLength)].ToArray();
        input.AsSpan(OffSequence, 8).Clear();
        return input;
    }

    /// <summary>Length of the serialized copy at the start of <paramref name="region"/> (after <see cref="TryParse"/> said Valid).</summary>
    public static int CopyLength(ReadOnlySpan<byte> region) => (int)BinaryPrimitives.ReadUInt32LittleEndian(region[OffCopyLength..]);

    /// <summary>Parses a copy region. Never throws on any input.</summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> region, out VolumeMetadata? metadata, out string reason)
    {
        metadata = null;
        reason = "";
        if (region.Length < HeaderLength || !region.StartsWith(Magic)) { reason = "no BlockCrypt magic"; return ParseStatus.NoMagic; }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(region[OffVersion..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(region[OffCopyLength..]);
        if (length < HeaderLength + BodyFixedLength + MacLength + ChecksumLength || length > CopyRegionSize || length > region.Length)
        { reason = $"copy length {length} out of bounds"; return ParseStatus.Damaged; }
        ReadOnlySpan<byte> copy = region[..(int)length];
        Span<byte> sum = stackalloc byte[ChecksumLength];
        SHA256.HashData(copy[..^ChecksumLength], sum);
        if (!CryptographicOperations.FixedTimeEquals(sum, copy[^ChecksumLength..])) { reason = "checksum mismatch"; return ParseStatus.Damaged; }
        if (version != FormatVersion) { reason = $"format version {version} is not supported (this build reads {FormatVersion})"; return ParseStatus.Unsupported; }
        try
        {
            metadata = ParseBody(copy, out reason);
        }
        catch (ArgumentException)
        {
            // A span slice past the end: a length field lied. Treated like every other bounds failure.
            metadata = null;
            reason = "a length field runs past the copy";
        }
        return metadata is null ? ParseStatus.Damaged : ParseStatus.Valid;
    }

    private static VolumeMetadata? ParseBody(ReadOnlySpan<byte> copy, out string reason)
    {
        reason = "";
        if (BinaryPrimitives.ReadUInt16LittleEndian(copy[OffHeaderLength..]) != HeaderLength) { reason = "bad header length"; return null; }
        if (copy.Slice(OffReserved, HeaderLength - OffReserved).ContainsAnyExcept((byte)0)) { reason = "reserved header bytes not zero"; return null; }
        int end = copy.Length - MacLength - ChecksumLength;
        int o = HeaderLength;
        var cipher = (CipherKind)BinaryPrimitives.ReadUInt16LittleEndian(copy[o..]);
        if (cipher is not (CipherKind.AesXts128 or CipherKind.AesXts256)) { reason = $"unknown cipher {(int)cipher}"; return null; }
        if (BinaryPrimitives.ReadUInt16LittleEndian(copy[(o + 2)..]) != 0) { reason = "reserved body bytes not zero"; return null; }
        int sectorSize = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(copy[(o + 4)..]), int.MaxValue);
        if (sectorSize is not (512 or 4096)) { reason = $"sector size {sectorSize} not 512 or 4096"; return null; }
        long dataOffset = BinaryPrimitives.ReadInt64LittleEndian(copy[(o + 8)..]);
        long dataSize = BinaryPrimitives.ReadInt64LittleEndian(copy[(o + 16)..]);
        if (dataOffset != DataOffset) { reason = $"data offset {dataOffset} is not 1 MiB"; return null; }
        if (dataSize <= 0 || dataSize % sectorSize != 0 || dataSize > long.MaxValue / 2) { reason = $"data size {dataSize} invalid"; return null; }
        long created = BinaryPrimitives.ReadInt64LittleEndian(copy[(o + 24)..]);
        if (created < 0 || created > 253402300799L) { reason = "creation time out of range"; return null; }
        int fvekLength = BinaryPrimitives.ReadUInt16LittleEndian(copy[(o + 32)..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(copy[(o + 34)..]);
        if (fvekLength != AesGcmKeyWrap.WrappedLength(VolumeMetadata.FvekLength(cipher))) { reason = "wrapped FVEK length wrong"; return null; }
        if (count < 1 || count > MaxProtectors) { reason = $"protector count {count} outside 1..{MaxProtectors}"; return null; }
        o += BodyFixedLength;
        if (o + fvekLength > end) { reason = "wrapped FVEK runs past the copy"; return null; }
        var metadata = new VolumeMetadata
        {
            VolumeId = new Guid(copy.Slice(OffVolumeId, 16)),
            Sequence = BinaryPrimitives.ReadUInt64LittleEndian(copy[OffSequence..]),
            Cipher = cipher, SectorSize = sectorSize, DataOffset = dataOffset, DataSize = dataSize,
            Created = DateTimeOffset.FromUnixTimeSeconds(created),
            WrappedFvek = copy.Slice(o, fvekLength).ToArray(),
        };
        o += fvekLength;
        var ids = new HashSet<Guid>();
        for (int i = 0; i < count; i++)
        {
            if (o + RecordFixedLength > end) { reason = $"protector {i} runs past the copy"; return null; }
            ReadOnlySpan<byte> r = copy[o..end];
            uint recordLength = BinaryPrimitives.ReadUInt32LittleEndian(r);
            int descLength = BinaryPrimitives.ReadUInt16LittleEndian(r[32..]);
            int paramLength = BinaryPrimitives.ReadUInt16LittleEndian(r[34..]);
            int vmkLength = BinaryPrimitives.ReadUInt16LittleEndian(r[36..]);
            if (descLength > ProtectorRecord.MaxDescriptionBytes || paramLength > ProtectorRecord.MaxParametersLength
                || vmkLength != AesGcmKeyWrap.WrappedLength(32)
                || recordLength != (uint)(RecordFixedLength + descLength + paramLength + vmkLength) || recordLength > r.Length)
            { reason = $"protector {i} has inconsistent lengths"; return null; }
            if (BinaryPrimitives.ReadUInt16LittleEndian(r[22..]) != 0) { reason = $"protector {i} reserved bytes not zero"; return null; }
            long pCreated = BinaryPrimitives.ReadInt64LittleEndian(r[24..]);
            if (pCreated < 0 || pCreated > 253402300799L) { reason = $"protector {i} creation time out of range"; return null; }
            var id = new Guid(r.Slice(4, 16));
            if (!ids.Add(id)) { reason = $"duplicate protector id {id}"; return null; }
            string description;
            try
            {
                description = new UTF8Encoding(false, true).GetString(r.Slice(RecordFixedLength, descLength));
            }
            catch (DecoderFallbackException)
            {
                reason = $"protector {i} description is not UTF-8";
                return null;
            }
            metadata.Protectors.Add(new ProtectorRecord
            {
                Id = id,
                Kind = (ProtectorKind)BinaryPrimitives.ReadUInt16LittleEndian(r[20..]),
                Created = DateTimeOffset.FromUnixTimeSeconds(pCreated),
                Description = description,
                Parameters = r.Slice(RecordFixedLength + descLength, paramLength).ToArray(),
                WrappedVmk = r.Slice(RecordFixedLength + descLength + paramLength, vmkLength).ToArray(),
            });
            o += (int)recordLength;
        }
        if (o != end) { reason = "trailing bytes after the protectors"; return null; }
        metadata.Mac = copy.Slice(end, MacLength).ToArray();
        return metadata;
    }
}
