using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BlockCrypt.Storage;

/// <summary>
/// A block device over a byte range of a regular file or a block-device node, using positional I/O
/// (<see cref="RandomAccess"/>), so concurrent reads and writes need no lock; cached ranges can also be read in
/// place (<see cref="IResidentReadable"/>, FileBlockDevice.Mapping.cs).
/// </summary>
public sealed partial class FileBlockDevice : IBlockDevice
{
    private readonly SafeFileHandle _handle;
    private readonly long _baseOffset;
    private readonly bool _ownsHandle;

    /// <summary>Opens a device over <paramref name="sectorCount"/> sectors of the file starting at <paramref name="baseOffset"/>.</summary>
    public FileBlockDevice(SafeFileHandle handle, long baseOffset, long sectorCount, int sectorSize, bool readOnly, bool ownsHandle = false)
    {
        BlockDeviceGuard.CheckSectorSize(sectorSize);
        ArgumentOutOfRangeException.ThrowIfNegative(baseOffset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectorCount);
        _handle = handle;
        _baseOffset = baseOffset;
        _ownsHandle = ownsHandle;
        SectorSize = sectorSize;
        SectorCount = sectorCount;
        IsReadOnly = readOnly;
    }

    /// <summary>Opens a whole file as a device; its length must be a whole number of sectors.</summary>
    public static FileBlockDevice Open(string path, int sectorSize = 4096, bool readOnly = false)
    {
        var handle = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
            FileShare.ReadWrite, FileOptions.RandomAccess);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length == 0 || length % sectorSize != 0)
                throw new BlockDeviceException($"'{path}' is {length} bytes, not a whole number of {sectorSize}-byte sectors.");
            return new FileBlockDevice(handle, 0, length / sectorSize, sectorSize, readOnly, ownsHandle: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public int SectorSize { get; }
    public long SectorCount { get; }
    public bool IsReadOnly { get; }
    public bool CanDiscard => OperatingSystem.IsLinux();

    public void Read(long firstSector, Span<byte> destination)
    {
        BlockDeviceGuard.CheckRange(this, firstSector, destination.Length);
        long offset = _baseOffset + firstSector * SectorSize;
        try
        {
            while (!destination.IsEmpty)
            {
                int n = RandomAccess.Read(_handle, destination, offset);
                if (n <= 0)
                {
                    // Past the end of a sparse or short file: the device reads as zeros there.
                    destination.Clear();
                    return;
                }
                destination = destination[n..];
                offset += n;
            }
        }
        catch (IOException e) when (e is not BlockDeviceException)
        {
            throw new BlockDeviceException($"Read at byte {offset} failed: {e.Message}", e);
        }
    }

    public void Write(long firstSector, ReadOnlySpan<byte> source)
    {
        if (IsReadOnly) BlockDeviceGuard.ThrowReadOnly();
        BlockDeviceGuard.CheckRange(this, firstSector, source.Length);
        long offset = _baseOffset + firstSector * SectorSize;
        try
        {
            RandomAccess.Write(_handle, source, offset);
        }
        catch (IOException e) when (e is not BlockDeviceException)
        {
            throw new BlockDeviceException($"Write at byte {offset} failed: {e.Message}", e);
        }
    }

    public void Flush()
    {
        if (IsReadOnly) return;
        try
        {
            RandomAccess.FlushToDisk(_handle);
        }
        catch (IOException e)
        {
            throw new BlockDeviceException($"Flush failed: {e.Message}", e);
        }
    }

    public void Discard(long firstSector, long sectorCount)
    {
        if (IsReadOnly) BlockDeviceGuard.ThrowReadOnly();
        BlockDeviceGuard.CheckDiscard(this, firstSector, sectorCount);
        if (sectorCount == 0 || !OperatingSystem.IsLinux()) return;
        // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE: release the blocks, keep the file length.
        // A file system that cannot punch holes answers EOPNOTSUPP; discard is advisory, so that is ignored.
        _ = Fallocate((int)_handle.DangerousGetHandle(), 0x02 | 0x01,
            _baseOffset + firstSector * SectorSize, sectorCount * SectorSize);
    }

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static extern int Fallocate(int fd, int mode, long offset, long length);

    /// <summary>Unmaps the file (see FileBlockDevice.Mapping.cs) and closes it when owned; must not race with I/O.</summary>
    public void Dispose()
    {
        lock (_mapLock)
        {
            Unmap();
            _mapState = 1;
        }

        if (_ownsHandle) _handle.Dispose();
    }
}
