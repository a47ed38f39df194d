using System.Runtime.InteropServices;

namespace BlockCrypt.Storage;

/// <summary>
/// Zero-copy reads of cached sectors (Linux): the device's range of the file is mapped read-only once, on first use;
/// <see cref="TryGetResident"/> hands out a range only when mincore(2) says every page of it is in memory, so handing
/// it out never starts I/O. Ranges that are not resident (a cold disk-backed container) go through
/// <see cref="Read"/>, which reports I/O errors as exceptions and fills the cache.
/// </summary>
/// <remarks>
/// A mapped file that is truncated underneath a reader raises SIGBUS, which ends the process. BlockCrypt holds a lock
/// on a mounted container and never shrinks it; a page evicted between the mincore check and the read is faulted back
/// in from the file. Both are documented in docs/performance.md.
/// </remarks>
public sealed unsafe partial class FileBlockDevice : IResidentReadable
{
    /// <summary>Longest range one call checks (the mincore vector lives on the stack: one byte per page).</summary>
    private const int MaxResidentBytes = 4 << 20;

    private readonly object _mapLock = new();
    private byte* _map;          // start of the mapping (page-aligned, at or before _baseOffset)
    private long _mapSkip;       // bytes from _map to the device's sector 0
    private long _mapUsable;     // device bytes covered by the mapping (0: no mapping)
    private int _mapState;       // 0 not tried, 1 mapped or refused

    /// <summary>Whether <see cref="TryGetResident"/> may map the file (default true; tests turn it off to compare paths).</summary>
    public bool AllowResidentReads { get; init; } = true;

    /// <inheritdoc/>
    public byte* TryGetResident(long firstSector, int byteCount)
    {
        BlockDeviceGuard.CheckRange(this, firstSector, byteCount);
        if (!AllowResidentReads || byteCount == 0 || byteCount > MaxResidentBytes || !OperatingSystem.IsLinux())
        {
            return null;
        }

        if (Volatile.Read(ref _mapState) == 0)
        {
            MapOnce();
        }

        long offset = firstSector * SectorSize;
        if (offset + byteCount > _mapUsable)
        {
            return null; // no mapping, or past the file's end when it was mapped (the device reads zeros there)
        }

        byte* p = _map + _mapSkip + offset;
        nuint page = (nuint)Environment.SystemPageSize;
        nuint start = (nuint)p & ~(page - 1);
        nuint end = ((nuint)p + (nuint)byteCount + page - 1) & ~(page - 1);
        int pages = (int)((end - start) / page);
        byte* resident = stackalloc byte[pages];
        if (Mincore((void*)start, end - start, resident) != 0)
        {
            return null;
        }

        for (int i = 0; i < pages; i++)
        {
            if ((resident[i] & 1) == 0)
            {
                return null;
            }
        }

        return p;
    }

    private void MapOnce()
    {
        lock (_mapLock)
        {
            if (_mapState != 0)
            {
                return;
            }

            try
            {
                long fileLength = RandomAccess.GetLength(_handle);
                long page = Environment.SystemPageSize;
                long mapStart = _baseOffset / page * page;
                long mapEnd = Math.Min(fileLength, _baseOffset + (SectorCount * SectorSize));
                if (mapEnd > _baseOffset)
                {
                    void* m = Mmap(null, (nuint)(mapEnd - mapStart), ProtRead, MapShared, (int)_handle.DangerousGetHandle(), mapStart);
                    if (m != (void*)-1)
                    {
                        _map = (byte*)m;
                        _mapSkip = _baseOffset - mapStart;
                        _mapUsable = mapEnd - _baseOffset;
                    }
                }
            }
            catch (IOException)
            {
                // No length (a pipe, a device the runtime cannot size): no mapping, plain reads only.
            }

            Volatile.Write(ref _mapState, 1);
        }
    }

    private void Unmap()
    {
        if (_map != null)
        {
            _ = Munmap(_map, (nuint)(_mapSkip + _mapUsable));
            _map = null;
            _mapUsable = 0;
        }
    }

    private const int ProtRead = 0x1;
    private const int MapShared = 0x01;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int Mincore(void* address, nuint length, byte* vector);
}
