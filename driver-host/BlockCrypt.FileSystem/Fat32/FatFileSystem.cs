using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using BlockCrypt.Storage;

namespace BlockCrypt.FileSystem.Fat32;

/// <summary>
/// A FAT32 filesystem (Microsoft FAT specification, fatgen103) over an <see cref="IBlockDevice"/>, with VFAT
/// long names. The FAT logical sector size equals the device's sector size.
/// </summary>
/// <remarks>
/// <para>Threading: one reader/writer lock per filesystem. File reads, and writes of whole sectors into clusters the file
/// already holds, run concurrently under the read lock (device I/O included; FatFileSystem.Write.cs); allocation and
/// every other change take the write lock. Handles share per-file state.</para>
/// <para>Memory: the whole active FAT is kept in memory (4 bytes per cluster: 1 MiB for a 1 GiB volume with
/// 4 KiB clusters) and every directory visited is cached.</para>
/// <para>Crash ordering: clusters are allocated in the FAT (both copies) before a directory entry links them,
/// file data is written before the entry's size grows, and clusters are freed only after the entry that
/// referenced them is gone, so an interrupted run leaves at most lost clusters (or a chain longer than the
/// file's size for the one file being extended or shrunk). The FAT[1] clean-shutdown bit (fatgen103 §4) is
/// cleared while mounted writable; opening a volume without it reclaims lost clusters and trims such chains.</para>
/// <para>Times are stored in the FAT date/time fields as UTC.</para>
/// </remarks>
public sealed partial class FatFileSystem : IFileSystem
{
    /// <summary>FAT[1] bit 27: 1 = the volume was cleanly unmounted (fatgen103 §4, ClnShutBitMask).</summary>
    internal const uint CleanShutdownBit = 0x08000000;
    /// <summary>FAT[1] bit 26: 0 = a disk I/O error was seen (fatgen103 §4, HrdErrBitMask).</summary>
    internal const uint HardErrorBit = 0x04000000;

    private readonly IBlockDevice _device;
    private readonly FatGeometry _g;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<uint, FatDirectory> _dirs = [];
    private readonly HashSet<FatDirectory> _dirtyDirs = [];
    private readonly HashSet<FatFileNode> _dirtyNodes = [];
    private readonly HashSet<FatFileNode> _openNodes = [];
    private string _label;
    private bool _disposed;

    private FatFileSystem(IBlockDevice device, FatGeometry geometry, bool readOnly)
    {
        _device = device;
        _g = geometry;
        IsReadOnly = readOnly;
        _label = geometry.BootLabel == "NO NAME" ? "" : geometry.BootLabel;
    }

    /// <summary>
    /// Mounts the FAT32 volume on <paramref name="device"/>. Writable mounts mark the volume dirty until
    /// <see cref="Dispose"/>; a volume that was not cleanly closed has its lost clusters reclaimed first.
    /// </summary>
    /// <exception cref="FileSystemException">Corrupt (not a valid FAT32 volume, damaged FAT) or IoError.</exception>
    public static FatFileSystem Open(IBlockDevice device, bool readOnly = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        readOnly |= device.IsReadOnly;
        try
        {
            byte[] bs = new byte[device.SectorSize];
            device.Read(0, bs);
            var g = FatGeometry.Parse(bs, device.SectorSize, device.SectorCount);
            var fs = new FatFileSystem(device, g, readOnly);
            fs.Mount();
            return fs;
        }
        catch (BlockDeviceException e)
        {
            throw new FileSystemException(FileSystemError.IoError, "Reading the volume failed: " + e.Message, e);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException or InvalidCastException)
        {
            throw new FileSystemException(FileSystemError.Corrupt, "The volume's metadata is inconsistent: " + e.Message, e);
        }
    }

    private void Mount()
    {
        LoadFat();
        var root = GetDirectory(_g.RootCluster, isRoot: true);
        if (root.VolumeLabel != null) _label = root.VolumeLabel == "NO NAME" ? "" : root.VolumeLabel;
        if (IsReadOnly) return;
        bool wasClean = (_fat[1] & CleanShutdownBit) != 0;
        if (!wasClean) Repair();
        // Mounted writable: clear the clean-shutdown bit until Dispose (fatgen103 §4).
        SetRaw(1, _fat[1] & ~CleanShutdownBit);
        WriteFsInfo();
        FlushFat();
        _device.Flush();
    }

    /// <inheritdoc/>
    public string Label => _label;
    /// <inheritdoc/>
    public uint SerialNumber => _g.Serial;
    /// <inheritdoc/>
    public bool IsReadOnly { get; }
    /// <inheritdoc/>
    public long MaxFileSize => uint.MaxValue;
    /// <inheritdoc/>
    public int MaxNameLength => FatNames.MaxLongName;
    /// <summary>Bytes per cluster.</summary>
    public int ClusterSize => _g.ClusterSize;
    /// <summary>Bytes per FAT logical sector (the device's sector size).</summary>
    public int BytesPerSector => _g.BytesPerSector;

    /// <inheritdoc/>
    public FileSystemStats GetStats()
    {
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            long cs = _g.ClusterSize;
            return new FileSystemStats(_g.ClusterCount * cs, _freeCount * cs, _g.ClusterSize, _g.ClusterCount, _freeCount);
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        WithWriteLock(() =>
        {
            if (IsReadOnly) return;
            FlushAll();
            _device.Flush();
        });
    }

    private void FlushAll()
    {
        foreach (var node in _dirtyNodes)
        {
            if (node.Dir == null) continue;
            FillHoles(node);
            node.Dir.Store(node.Entry, _g.BytesPerSector);
        }
        foreach (var node in _dirtyNodes)
            if (node.Dir != null) _dirtyDirs.Add(node.Dir);
        _dirtyNodes.Clear();
        FlushFat();
        FlushDirs();
        WriteFsInfo();
    }

    /// <summary>Writes everything, marks the volume clean in FAT[1] and flushes the device. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _lock.EnterWriteLock();
        try
        {
            if (_disposed) return;
            if (!IsReadOnly)
            {
                try
                {
                    // Handles still open: their entries are stored and preallocated clusters freed.
                    foreach (var node in _openNodes)
                        if (node.Dir != null) CutChain(node, store: false);
                    FlushAll();
                    SetRaw(1, _fat[1] | CleanShutdownBit);
                    FlushFat();
                    _device.Flush();
                }
                catch (BlockDeviceException)
                {
                    // The device failed: the volume stays marked dirty and is repaired on the next open.
                }
            }
            _disposed = true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly) throw new FileSystemException(FileSystemError.ReadOnly, "The filesystem is mounted read-only.");
    }

    [DoesNotReturn]
    internal static void ThrowCorrupt(string message) => throw new FileSystemException(FileSystemError.Corrupt, message);

    private T WithReadLock<T>(Func<T> f)
    {
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            return f();
        }
        catch (BlockDeviceException e) { throw IoError(e); }
        finally { _lock.ExitReadLock(); }
    }

    private T WithWriteLock<T>(Func<T> f)
    {
        _lock.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            return f();
        }
        catch (BlockDeviceException e) { throw IoError(e); }
        finally { _lock.ExitWriteLock(); }
    }

    private void WithWriteLock(Action f) => WithWriteLock(() => { f(); return 0; });

    internal static FileSystemException IoError(BlockDeviceException e) =>
        new(FileSystemError.IoError, "The block device failed: " + e.Message, e);

    /// <summary>FSInfo (fatgen103 §5): free cluster count and next-free hint, primary and backup copy.</summary>
    private void WriteFsInfo()
    {
        if (_g.FsInfoSector is 0 or 0xFFFF || _g.FsInfoSector >= _g.ReservedSectors) return;
        byte[] s = new byte[_g.BytesPerSector];
        BinaryPrimitives.WriteUInt32LittleEndian(s, 0x41615252);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(484), 0x61417272);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(488), _freeCount);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(492), _nextFree);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(508), 0xAA550000);
        _device.Write(_g.FsInfoSector, s);
        if (_g.BackupBootSector is > 0 and < 0xFFFF && _g.BackupBootSector + _g.FsInfoSector < _g.ReservedSectors)
            _device.Write(_g.BackupBootSector + _g.FsInfoSector, s);
    }
}
