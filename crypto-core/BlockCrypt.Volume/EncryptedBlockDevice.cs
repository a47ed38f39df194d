using BlockCrypt.Crypto;
using BlockCrypt.Storage;

namespace BlockCrypt.Volume;

/// <summary>
/// The decrypted view of a volume's data area: sector <c>n</c> of this device is sector <c>n</c> of the data area,
/// encrypted with XTS-AES whose tweak is <c>n</c> (IEEE 1619 data unit number; dm-crypt <c>plain64</c> with the data area
/// as origin). Reads decrypt into the caller's buffer, straight from the backing device's page cache when the
/// ciphertext is there; writes encrypt into this device's own scratch buffers, at most 1 MiB at a time. A large request
/// that is the only one in progress and must be read from the backing device is split across cores; when several run
/// at once (a multithreaded mount), each stays on its own thread, which keeps every core busy without fork-join overhead.
/// </summary>
/// <remarks>Thread-safe like <see cref="IBlockDevice"/>: concurrent I/O on disjoint ranges. XTS gives confidentiality, not integrity.</remarks>
public sealed partial class EncryptedBlockDevice : IBlockDevice
{
    private const int MaxScratch = 1024 * 1024;
    private readonly IBlockDevice _backing;
    private readonly IResidentReadable? _resident;
    private readonly long _backingFirst;
    private readonly int _ratio;
    private readonly bool _ownsBacking;
    private readonly XtsAes _xts;
    private int _disposed;
    /// <summary>Requests in progress: a large request uses every core only while it is the only one.</summary>
    private int _active;
    /// <summary>Environment.TickCount64 when two requests last overlapped.</summary>
    private long _lastOverlap = long.MinValue / 2;

    /// <summary>
    /// Creates the device over <paramref name="sectorCount"/> sectors of <paramref name="sectorSize"/> bytes starting at
    /// backing sector <paramref name="backingFirstSector"/>; the backing sector size must divide <paramref name="sectorSize"/>.
    /// </summary>
    /// <param name="backing">Device holding the ciphertext.</param>
    /// <param name="backingFirstSector">First backing sector of the data area.</param>
    /// <param name="sectorCount">Sectors of this device.</param>
    /// <param name="sectorSize">Bytes per sector of this device (the XTS data unit).</param>
    /// <param name="fvek">32 or 64-byte XTS key; copied into the engine's native memory (the caller clears its copy).</param>
    /// <param name="readOnly">Refuse writes.</param>
    /// <param name="ownsBacking">Dispose <paramref name="backing"/> with this device.</param>
    public EncryptedBlockDevice(IBlockDevice backing, long backingFirstSector, long sectorCount, int sectorSize, ReadOnlySpan<byte> fvek,
        bool readOnly = false, bool ownsBacking = false)
    {
        BlockDeviceGuard.CheckSectorSize(sectorSize);
        if (sectorSize % backing.SectorSize != 0) throw new ArgumentException("The backing sector size must divide the sector size.", nameof(sectorSize));
        _ratio = sectorSize / backing.SectorSize;
        if (backingFirstSector < 0 || sectorCount <= 0 || backingFirstSector + sectorCount * _ratio > backing.SectorCount)
            throw new ArgumentOutOfRangeException(nameof(sectorCount), "The data area does not fit in the backing device.");
        _backing = backing;
        _resident = backing as IResidentReadable;
        _backingFirst = backingFirstSector;
        _ownsBacking = ownsBacking;
        _xts = new XtsAes(fvek);
        SectorSize = sectorSize;
        SectorCount = sectorCount;
        IsReadOnly = readOnly || backing.IsReadOnly;
    }

    /// <inheritdoc/>
    public int SectorSize { get; }

    /// <inheritdoc/>
    public long SectorCount { get; }

    /// <inheritdoc/>
    public bool IsReadOnly { get; }

    /// <inheritdoc/>
    public bool CanDiscard => _backing.CanDiscard;

    /// <inheritdoc/>
    public void Read(long firstSector, Span<byte> destination)
    {
        BlockDeviceGuard.CheckRange(this, firstSector, destination.Length);
        if (destination.IsEmpty) return;
        bool alone = EnterRequest();
        try
        {
            // Ciphertext already in memory is decrypted in one pass on this thread: at VAES speed a fork-join costs
            // more than it saves (measured through the mount). Real backing I/O of a lone large request is split so
            // that reads and decryption of different chunks overlap.
            if (TryReadResident(firstSector, destination)) return;
            if (alone && destination.Length >= ParallelReadThreshold && Environment.ProcessorCount > 1)
            {
                ReadParallel(firstSector, destination);
                return;
            }
            ReadThenDecrypt(firstSector, destination);
        }
        finally { Interlocked.Decrement(ref _active); }
    }

    /// <summary>
    /// When the backing device has the sectors in memory (<see cref="IResidentReadable"/>: a container file in the page
    /// cache), XTS reads the ciphertext there and writes the plaintext straight into the destination: one pass, where
    /// read-then-decrypt copies first.
    /// </summary>
    private unsafe bool TryReadResident(long firstSector, Span<byte> destination)
    {
        byte* cached = _resident != null ? _resident.TryGetResident(_backingFirst + firstSector * _ratio, destination.Length) : null;
        if (cached == null) return false;
        _xts.DecryptSectors(new ReadOnlySpan<byte>(cached, destination.Length), destination, (ulong)firstSector, SectorSize);
        return true;
    }

    /// <summary>Reads sectors from the backing device into <paramref name="destination"/>, then decrypts them there.</summary>
    private void ReadThenDecrypt(long firstSector, Span<byte> destination)
    {
        _backing.Read(_backingFirst + firstSector * _ratio, destination);
        // In place: XtsAes accepts source == destination (same memory, no partial overlap).
        _xts.DecryptSectors(destination, destination, (ulong)firstSector, SectorSize);
    }

    /// <inheritdoc/>
    public void Write(long firstSector, ReadOnlySpan<byte> source)
    {
        if (IsReadOnly) BlockDeviceGuard.ThrowReadOnly();
        BlockDeviceGuard.CheckRange(this, firstSector, source.Length);
        if (source.IsEmpty) return;
        bool alone = EnterRequest();
        byte[] scratch = TakeScratch();
        try
        {
            while (!source.IsEmpty)
            {
                int n = Math.Min(ScratchBytes, source.Length);
                Span<byte> dst = scratch.AsSpan(0, n);
                if (alone && n >= ParallelReadThreshold && Environment.ProcessorCount > 1)
                {
                    WriteParallel(firstSector, source[..n], dst);
                }
                else
                {
                    _xts.EncryptSectors(source[..n], dst, (ulong)firstSector, SectorSize);
                    _backing.Write(_backingFirst + firstSector * _ratio, dst);
                }
                source = source[n..];
                firstSector += n / SectorSize;
            }
        }
        finally
        {
            ReturnScratch(scratch);
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// Counts a request in and tells whether it may be split across cores: only when no other request has overlapped
    /// for a second. A multithreaded caller (a FUSE mount serving a dozen requests at once) already keeps every core
    /// busy, and there the fork-join only costs: thread-pool workers spin between chunks (measured through the mount:
    /// about 40% more CPU per GiB read than decrypting inline). A single-threaded caller (export, copy) keeps the split.
    /// </summary>
    private bool EnterRequest()
    {
        if (Interlocked.Increment(ref _active) == 1)
            return Environment.TickCount64 - Volatile.Read(ref _lastOverlap) > 1000;
        Volatile.Write(ref _lastOverlap, Environment.TickCount64);
        return false;
    }

    /// <inheritdoc/>
    public void Flush() => _backing.Flush();

    /// <inheritdoc/>
    public void Discard(long firstSector, long sectorCount)
    {
        if (IsReadOnly) BlockDeviceGuard.ThrowReadOnly();
        BlockDeviceGuard.CheckDiscard(this, firstSector, sectorCount);
        _backing.Discard(_backingFirst + firstSector * _ratio, sectorCount * _ratio);
    }

    /// <summary>Zeroes the key schedule (and disposes the backing device when owned).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _xts.Dispose();
        DropScratch();
        if (_ownsBacking) _backing.Dispose();
    }
}
