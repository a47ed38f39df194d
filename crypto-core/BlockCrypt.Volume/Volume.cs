using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Crypto.Secrets;
using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Protectors;
using Microsoft.Win32.SafeHandles;

namespace BlockCrypt.Volume;

/// <summary>
/// A BlockCrypt volume opened but not unlocked: its newest valid metadata copy (unauthenticated until
/// <see cref="Unlock"/>), copy health, and the container. <see cref="Unlock"/> gives an <see cref="UnlockedVolume"/>
/// whose <see cref="UnlockedVolume.Device"/> is the decrypted data area.
/// </summary>
/// <remarks>Not thread-safe for metadata operations; the unlocked device is.</remarks>
public sealed partial class Volume : IDisposable
{
    private readonly IBlockDevice _container;
    private readonly bool _ownsContainer;
    private VolumeMetadata _metadata;
    private byte[] _metadataBytes;
    private CopyHealth[] _copies;
    private ulong _maxSequence;

    private Volume(IBlockDevice container, bool ownsContainer, MetadataStore.ReadResult read)
    {
        _container = container;
        _ownsContainer = ownsContainer;
        _metadata = read.Newest!;
        _metadataBytes = read.NewestBytes!;
        _copies = read.Copies;
        _maxSequence = read.MaxSequence;
    }

    /// <summary>The container (whole file or device, 512-byte sectors): metadata region then data area.</summary>
    public IBlockDevice Container => _container;

    /// <summary>Volume id.</summary>
    public Guid Id => _metadata.VolumeId;

    /// <summary>True when opened without write access.</summary>
    public bool IsReadOnly => _container.IsReadOnly;

    /// <summary>Opens a container file or block device.</summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    /// <exception cref="VolumeException">Not a volume, damaged, unsupported, or I/O failure.</exception>
    public static Volume Open(string path, bool readOnly = false) => Open(OpenContainer(path, readOnly), ownsContainer: true);

    /// <summary>Opens a volume on a container device (its sector size must be 512). Disposes it on failure when owned.</summary>
    public static Volume Open(IBlockDevice container, bool ownsContainer = false)
    {
        try
        {
            var read = MetadataStore.Read(container);
            if (read.Newest is null)
            {
                if (read.Copies.Any(c => c.State == CopyState.Unsupported))
                    throw new VolumeException(VolumeErrorCode.UnsupportedFormat, "The volume uses a format version this build cannot read.");
                if (read.Copies.All(c => c.State == CopyState.Missing))
                    throw new VolumeException(VolumeErrorCode.NotAVolume, "Not a BlockCrypt volume (no metadata found).");
                throw new VolumeException(VolumeErrorCode.MetadataDamaged,
                    "Every metadata copy is damaged; restore a header backup with 'blockcrypt header restore'.");
            }
            long needed = (read.Newest.DataOffset + read.Newest.DataSize) / container.SectorSize;
            if (needed > container.SectorCount)
                throw new VolumeException(VolumeErrorCode.MetadataDamaged, "The container is smaller than its metadata says (truncated?).");
            return new Volume(container, ownsContainer, read);
        }
        catch
        {
            if (ownsContainer) container.Dispose();
            throw;
        }
    }

    /// <summary>Layout, copy health and protectors. Unauthenticated unless the volume was unlocked since opening.</summary>
    public VolumeStatus GetStatus() => new(
        _metadata.VolumeId, MetadataLayout.FormatVersion, VolumeMetadata.CipherName(_metadata.Cipher), _metadata.SectorSize,
        _metadata.DataOffset, _metadata.DataSize, _metadata.Sequence, _metadata.Created, _copies,
        [.. _metadata.Protectors.Select(Describe)]);

    private static ProtectorInfo Describe(ProtectorRecord p)
    {
        var handler = ProtectorHandlers.Find(p.Kind);
        var info = new ProtectorInfo(p.Id, p.Kind, ProtectorHandlers.NameOf(p.Kind), p.Created, p.Description,
            handler?.Describe(p) ?? "no handler for this kind in this build");
        return TpmProtectorHandler.GetState(p) is { } tpm
            ? info with { Pcrs = tpm.Pcrs.Indices, RequiresPin = tpm.HasPin, Suspended = tpm.Suspended }
            : info;
    }

    /// <summary>
    /// Unlocks with the first protector that accepts a credential (cheap kinds first), authenticates the whole
    /// metadata with the VMK-derived MAC key, unwraps the FVEK and, when writable, repairs stale or damaged copies.
    /// </summary>
    /// <exception cref="VolumeException">NoCredential, WrongCredential, KdfBelowFloor, MetadataTampered, ProtectorFailure ...</exception>
    public UnlockedVolume Unlock(UnlockCredentials credentials)
    {
        var candidates = _metadata.Protectors
            .Select(p => (Record: p, Handler: ProtectorHandlers.Find(p.Kind)))
            .Where(c => c.Handler is not null && c.Handler.HasCredential(credentials)
                        && (credentials.ProtectorId is null || credentials.ProtectorId == c.Record.Id))
            .OrderBy(c => c.Handler!.UnlockOrder)
            .ToList();
        if (candidates.Count == 0)
        {
            string kinds = string.Join(", ", _metadata.Protectors.Select(p => ProtectorHandlers.NameOf(p.Kind)).Distinct());
            throw new VolumeException(VolumeErrorCode.NoCredential,
                credentials.IsEmpty ? $"No credential given; this volume has protectors: {kinds}."
                                    : $"None of the credentials given fits a protector of this volume ({kinds}).");
        }

        var vmk = new SecretBuffer(32);
        try
        {
            ProtectorRecord? unlockedBy = null;
            VolumeException? firstError = null;
            var context = new ProtectorUnlockContext { VolumeId = Id, Credentials = credentials };
            foreach (var (record, handler) in candidates)
            {
                try
                {
                    byte[] aad = VmkAad(record);
                    if (handler!.TryUnlock(record, context, kek => AesGcmKeyWrap.TryUnwrap(kek, record.WrappedVmk, aad, vmk.Span)))
                    {
                        unlockedBy = record;
                        break;
                    }
                }
                catch (VolumeException e)
                {
                    firstError ??= e;
                }
            }
            if (unlockedBy is null)
                throw firstError ?? new VolumeException(VolumeErrorCode.WrongCredential, "Wrong credential: no protector opened with what was given.");
            if (!VerifyMac(_metadataBytes, vmk.Span))
                throw new VolumeException(VolumeErrorCode.MetadataTampered,
                    "The metadata failed authentication (altered protector list or parameters); refusing to use it.");
            var unlocked = new UnlockedVolume(this, vmk, unlockedBy.Id);
            vmk = null!;
            RepairIfNeeded();
            return unlocked;
        }
        finally
        {
            vmk?.Dispose();
        }
    }

    /// <summary>Writes the newest metadata copy to <paramref name="file"/> (which must not exist).</summary>
    public void BackupHeader(string file)
    {
        try
        {
            // Owner-only: the backup holds every wrapped copy of the volume master key.
            using var stream = OwnerOnlyFile.Create(file);
            stream.Write(_metadataBytes);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new VolumeException(VolumeErrorCode.Io, $"Cannot write header backup '{file}': {e.Message}", e);
        }
    }

    /// <summary>Crypto-erase: overwrites every metadata copy (and the reserved area) so no credential opens the volume again.</summary>
    public void Erase()
    {
        if (IsReadOnly) throw new VolumeException(VolumeErrorCode.InvalidArgument, "The volume is open read-only.");
        MetadataStore.Wipe(_container);
    }

    /// <summary>Closes the container.</summary>
    public void Dispose()
    {
        if (_ownsContainer) _container.Dispose();
    }

    private void RepairIfNeeded()
    {
        if (IsReadOnly || _copies.All(c => c.State == CopyState.Current)) return;
        var targets = _copies.Where(c => c.State != CopyState.Current).Select(c => c.Index).ToList();
        // Rewrite the bad copies with the newest content at the same sequence: byte-identical to the good ones.
        MetadataStore.Write(_container, (byte[])_metadataBytes.Clone(), _metadata.Sequence, targets);
        _copies = [.. _copies.Select(c => c with { State = CopyState.Current, Sequence = _metadata.Sequence, Detail = "" })];
    }

    /// <summary>
    /// Creates <paramref name="path"/> (O_EXCL) for reading and writing, mode 0600 on Unix from the start: the file is
    /// created closed to others and then reopened, so no other user can open it in between.
    /// </summary>
    internal static SafeFileHandle CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows()) return OpenHandle(path, FileMode.CreateNew, readOnly: false);
        try
        {
            using (OwnerOnlyFile.Create(path)) { }
        }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException(e.Message, path, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VolumeException(VolumeErrorCode.Io, $"Cannot create '{path}': {e.Message}", e);
        }
        try
        {
            return OpenHandle(path, FileMode.Open, readOnly: false);
        }
        catch
        {
            File.Delete(path); // ours, empty: leave nothing behind
            throw;
        }
    }

    internal static SafeFileHandle OpenHandle(string path, FileMode mode, bool readOnly)
    {
        try
        {
            return File.OpenHandle(path, mode, readOnly ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.RandomAccess);
        }
        catch (FileNotFoundException) { throw; }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException(e.Message, path, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VolumeException(VolumeErrorCode.Io, $"Cannot open '{path}': {e.Message}", e);
        }
    }

    internal static long LengthOf(SafeFileHandle handle, string path)
    {
        long length = RandomAccess.GetLength(handle);
        if (length > 0) return length;
        // Block devices report 0 through fstat; seeking to the end gives their size.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return stream.Seek(0, SeekOrigin.End);
    }

    private static IBlockDevice OpenContainer(string path, bool readOnly)
    {
        var handle = OpenHandle(path, FileMode.Open, readOnly);
        try
        {
            long length = LengthOf(handle, path);
            if (length < MetadataLayout.DataOffset + 512)
                throw new VolumeException(VolumeErrorCode.NotAVolume, $"'{path}' is too small to be a BlockCrypt volume ({length} bytes).");
            return new FileBlockDevice(handle, 0, length / MetadataLayout.IoSectorSize, MetadataLayout.IoSectorSize, readOnly, ownsHandle: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
