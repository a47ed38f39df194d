using System.Security.Cryptography;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Crypto.Secrets;
using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume;

/// <summary>Creating volumes, and restoring a header backup.</summary>
public sealed partial class Volume
{
    /// <summary>Largest data area: 1 PiB.</summary>
    public const long MaxDataSize = 1L << 50;

    /// <summary>
    /// Formats <paramref name="path"/>: a new regular file (created sparse; an existing regular file is refused) or an
    /// existing block device. On failure a file this call created is deleted.
    /// </summary>
    /// <returns>The unlocked new volume and one result per requested protector (recovery passwords, key files).</returns>
    public static (UnlockedVolume Volume, IReadOnlyList<ProtectorAddResult> Protectors) Create(string path, VolumeCreateOptions options)
    {
        bool created = false;
        Microsoft.Win32.SafeHandles.SafeFileHandle? handle = null;
        IBlockDevice? container = null;
        try
        {
            long length;
            if (File.Exists(path))
            {
                handle = OpenHandle(path, FileMode.Open, readOnly: false);
                if (RandomAccess.GetLength(handle) != 0 || LengthOf(handle, path) == 0)
                    throw new VolumeException(VolumeErrorCode.InvalidArgument, $"'{path}' already exists; refusing to overwrite a regular file.");
                length = LengthOf(handle, path);
                long data = options.DataSize ?? (length - MetadataLayout.DataOffset) / options.SectorSize * options.SectorSize;
                if (data + MetadataLayout.DataOffset > length)
                    throw new VolumeException(VolumeErrorCode.InvalidArgument, $"The device holds {length} bytes; too small for the requested size.");
                options = Sized(options, data);
            }
            else
            {
                if (options.DataSize is null) throw new VolumeException(VolumeErrorCode.InvalidArgument, "A size is needed to create a container file.");
                Validate(options);
                length = MetadataLayout.DataOffset + options.DataSize.Value;
                // Owner-only from the moment it exists, like any file holding wrapped keys (whatever the umask).
                handle = CreateOwnerOnly(path);
                created = true;
                RandomAccess.SetLength(handle, length); // sparse: only metadata and written sectors take space
            }
            container = ContainerOver(handle, length, readOnly: false);
            handle = null;
            var result = Create(container, options, ownsContainer: true);
            container = null;
            return result;
        }
        catch (Exception e)
        {
            handle?.Dispose();
            container?.Dispose();
            if (created) File.Delete(path);
            if (e is IOException io and not FileNotFoundException)
                throw new VolumeException(VolumeErrorCode.Io, $"Cannot create '{path}': {io.Message}", io);
            throw;
        }
    }

    /// <summary>Formats a container device (512-byte sectors; data size defaults to everything after the 1 MiB metadata area).</summary>
    public static (UnlockedVolume Volume, IReadOnlyList<ProtectorAddResult> Protectors) Create(IBlockDevice container, VolumeCreateOptions options, bool ownsContainer = false)
    {
        if (container.SectorSize != MetadataLayout.IoSectorSize)
            throw new ArgumentException("A container device has 512-byte sectors.", nameof(container));
        long available = container.SectorCount * container.SectorSize - MetadataLayout.DataOffset;
        options = Sized(options, options.DataSize ?? available / options.SectorSize * options.SectorSize);
        Validate(options);
        if (options.DataSize > available)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, "The container is too small for the requested size.");

        var results = new List<ProtectorAddResult>();
        using var vmk = SecretBuffer.Random(32);
        using var fvek = NewFvek(options.Cipher);
        var metadata = new VolumeMetadata
        {
            VolumeId = Guid.NewGuid(), Cipher = options.Cipher, SectorSize = options.SectorSize, DataOffset = MetadataLayout.DataOffset,
            DataSize = options.DataSize!.Value, Created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            WrappedFvek = new byte[AesGcmKeyWrap.WrappedLength(fvek.Length)],
        };
        AesGcmKeyWrap.Wrap(vmk.Span, fvek.Span, FvekAad(metadata), metadata.WrappedFvek);
        try
        {
            foreach (var request in options.Protectors)
            {
                var (record, result) = NewProtector(metadata.VolumeId, request, vmk.Span);
                metadata.Protectors.Add(record);
                results.Add(result);
            }

            MetadataStore.Wipe(container);
            metadata.Sequence = 1;
            byte[] copy = SerializeAuthenticated(metadata, vmk.Span);
            MetadataStore.Write(container, copy, 1);
            var copies = Enumerable.Range(0, MetadataLayout.CopyCount)
                .Select(i => new CopyHealth(i, MetadataLayout.CopyOffset(i), CopyState.Current, 1, "")).ToArray();
            var volume = new Volume(container, ownsContainer, new MetadataStore.ReadResult(metadata, copy, copies, 1));
            return (new UnlockedVolume(volume, SecretBuffer.CopyOf(vmk.Span), metadata.Protectors[0].Id), results);
        }
        catch
        {
            foreach (var r in results) r.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Restores a header backup onto <paramref name="containerPath"/> after checking it belongs there: the backup must be
    /// a valid copy, the container must have its size, and any copy still carrying an id must carry the same one.
    /// </summary>
    public static void RestoreHeader(string containerPath, string backupFile)
    {
        byte[] backup;
        try
        {
            var info = new FileInfo(backupFile);
            if (!info.Exists) throw new FileNotFoundException($"Header backup '{backupFile}' not found.", backupFile);
            if (info.Length > MetadataLayout.CopyRegionSize)
                throw new VolumeException(VolumeErrorCode.HeaderMismatch, $"'{backupFile}' is not a BlockCrypt header backup (too large).");
            backup = File.ReadAllBytes(backupFile);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new VolumeException(VolumeErrorCode.Io, $"Cannot read '{backupFile}': {e.Message}", e);
        }
        if (MetadataCodec.TryParse(backup, out var metadata, out string reason) != MetadataCodec.ParseStatus.Valid)
            throw new VolumeException(VolumeErrorCode.HeaderMismatch, $"'{backupFile}' is not a valid BlockCrypt header backup ({reason}).");
        var handle = OpenHandle(containerPath, FileMode.Open, readOnly: false);
        long length = LengthOf(handle, containerPath);
        using var container = ContainerOver(handle, length, readOnly: false);
        if (length < metadata!.DataOffset + metadata.DataSize)
            throw new VolumeException(VolumeErrorCode.HeaderMismatch, "The header backup describes a larger volume than this container.");
        var read = MetadataStore.Read(container);
        foreach (var copy in read.Copies)
        {
            byte[] head = new byte[512];
            container.Read(copy.Offset / container.SectorSize, head);
            if (head.AsSpan().StartsWith(MetadataLayout.Magic)
                && new Guid(head.AsSpan(MetadataLayout.OffVolumeId, 16)) != metadata.VolumeId)
                throw new VolumeException(VolumeErrorCode.HeaderMismatch, "The header backup belongs to another volume.");
        }
        MetadataStore.Write(container, backup, read.MaxSequence + 1);
    }

    private static SecretBuffer NewFvek(CipherKind cipher)
    {
        var fvek = SecretBuffer.Random(VolumeMetadata.FvekLength(cipher));
        int half = fvek.Length / 2;
        // XTS refuses equal halves (SP 800-38E); with random keys this never happens, but the check costs nothing.
        while (CryptographicOperations.FixedTimeEquals(fvek.Span[..half], fvek.Span[half..])) RandomNumberGenerator.Fill(fvek.Span);
        return fvek;
    }

    private static VolumeCreateOptions Sized(VolumeCreateOptions o, long dataSize) =>
        new() { DataSize = dataSize, Cipher = o.Cipher, SectorSize = o.SectorSize, Protectors = o.Protectors };

    private static void Validate(VolumeCreateOptions o)
    {
        if (o.SectorSize is not (512 or 4096))
            throw new VolumeException(VolumeErrorCode.InvalidArgument, $"Sector size {o.SectorSize} is not 512 or 4096.");
        if (o.Cipher is not (CipherKind.AesXts128 or CipherKind.AesXts256))
            throw new VolumeException(VolumeErrorCode.InvalidArgument, "Unknown cipher.");
        if (o.DataSize is not long size || size < o.SectorSize || size % o.SectorSize != 0 || size > MaxDataSize)
            throw new VolumeException(VolumeErrorCode.InvalidArgument,
                $"Size {o.DataSize} must be a positive multiple of the {o.SectorSize}-byte sector size, at most 1 PiB.");
        if (o.Protectors.Count == 0)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, "A volume needs at least one protector.");
    }
}
