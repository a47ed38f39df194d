using System.Runtime.InteropServices;

namespace BlockCrypt.Storage;

/// <summary>
/// Zero-copy reads of cached sectors (64-bit Linux, regular files on local filesystems: tmpfs, ext2/3/4, XFS, Btrfs,
/// F2FS): the device's range of the file is mapped read-only once, on first use. <see cref="TryGetResident"/> hands out
/// a range only when mincore(2) says every page of it is in the page cache, and after MADV_POPULATE_READ has entered
/// them all in the page tables, which reports a failure as an error instead of a signal. Ranges that are not resident
/// (a cold disk-backed container) go through <see cref="Read"/>, which reports I/O errors as exceptions.
/// </summary>
/// <remarks>
/// Residual risk, documented in docs/performance.md: reading a mapped page that has gone away (another process
/// truncating the container while it is mounted, or a page reclaimed right after the check whose re-read then fails)
/// raises SIGBUS, which ends the host like <c>kill -9</c> (the volume stays consistent; fsync'ed data is intact).
/// Only a process that may write the container can truncate it, and such a process can already destroy its data.
/// </remarks>
public sealed unsafe partial class FileBlockDevice : IResidentReadable
{
    /// <summary>Longest range one call checks (the mincore vector lives on the stack: one byte per page).</summary>
    private const int MaxResidentBytes = 4 << 20;

    private readonly object _mapLock = new();
    private byte* _map;          // start of the mapping (page-aligned, at or before _baseOffset)
    private long _mapSkip;       // bytes from _map to the device's sector 0
    private long _mapUsable;     // device bytes covered by the mapping (0: no mapping)
    private int _mapState;       // 0 not tried; 1 mapped, refused or disposed

    /// <summary>Whether <see cref="TryGetResident"/> may map the file (default true; tests turn it off to compare paths).</summary>
    public bool AllowResidentReads { get; init; } = true;

    /// <inheritdoc/>
    public byte* TryGetResident(long firstSector, int byteCount)
    {
        BlockDeviceGuard.CheckRange(this, firstSector, byteCount);
        if (!AllowResidentReads || byteCount == 0 || byteCount > MaxResidentBytes || !OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
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

        // The pages are cached but may not be in this process's page tables yet (first use since they were written):
        // MADV_POPULATE_READ enters them all in one call, about a third cheaper than a fault per page on tmpfs, and
        // returns an error (EFAULT) where touching a page would raise SIGBUS. EINVAL is a kernel before 5.14, where the
        // reads simply fault the pages in.
        if (Madvise((void*)start, end - start, MadvPopulateRead) != 0 && Marshal.GetLastPInvokeError() != EInval)
        {
            return null;
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
                long page = Environment.SystemPageSize;
                long mapStart = _baseOffset / page * page;
                long mapEnd = IsLocalFileSystem() ? Math.Min(RandomAccess.GetLength(_handle), _baseOffset + (SectorCount * SectorSize)) : 0;
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
                // The length is unknown: no mapping, plain reads only. (A block-device node reports length 0 and is
                // not mapped either; nor is any file on a filesystem outside the allow-list, see IsLocalFileSystem.)
            }

            Volatile.Write(ref _mapState, 1);
        }
    }

    /// <summary>
    /// Maps only files on local filesystems whose page cache is stable under us: on network or FUSE filesystems pages
    /// can be invalidated at any time and a failed re-read would be a SIGBUS. fstatfs(2) f_type values from statfs(2).
    /// </summary>
    private bool IsLocalFileSystem()
    {
        byte* buffer = stackalloc byte[256]; // struct statfs is 120 bytes on 64-bit Linux; f_type is its first field
        bool gotIt = false;
        _handle.DangerousAddRef(ref gotIt);
        try
        {
            if (Fstatfs((int)_handle.DangerousGetHandle(), buffer) != 0)
            {
                return false;
            }
        }
        finally
        {
            if (gotIt)
            {
                _handle.DangerousRelease();
            }
        }

        long type = *(long*)buffer;
        return type is 0x01021994 /* tmpfs */ or 0xEF53 /* ext2/3/4 */ or 0x58465342 /* XFS */
            or 0x9123683E /* Btrfs */ or 0xF2F52010 /* F2FS */;
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
    private const int MadvPopulateRead = 22;
    private const int EInval = 22;
    private const int MapShared = 0x01;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    private static partial int Fstatfs(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(void* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int Mincore(void* address, nuint length, byte* vector);
}
