using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Fuse.Native;

namespace BlockCrypt.Mount.Fuse;

// The callbacks that change names, attributes and times, plus statfs and the struct stat filling.
public sealed partial class FuseMount
{
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int MkDir(byte* path, uint mode)
    {
        try { Self().Core.FileSystem.CreateDirectory(PathOf(path)); return 0; }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Unlink(byte* path)
    {
        try { Self().Core.FileSystem.DeleteFile(PathOf(path)); return 0; }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int RmDir(byte* path)
    {
        try { Self().Core.FileSystem.DeleteDirectory(PathOf(path)); return 0; }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Rename(byte* from, byte* to, uint flags)
    {
        try
        {
            // renameat2(2): RENAME_EXCHANGE cannot be done atomically on FAT; RENAME_NOREPLACE must fail with EEXIST.
            if ((flags & RENAME_EXCHANGE) != 0) return -BlockCrypt.Mount.Core.Errno.EINVAL;
            Self().Core.Rename(PathOf(from), PathOf(to), replace: (flags & RENAME_NOREPLACE) == 0);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int ChMod(byte* path, uint mode, FuseFileInfo* fi)
    {
        try
        {
            // FAT has no permission bits: "no write bit for anyone" maps to the read-only attribute, the rest is ignored.
            Self().Core.SetReadOnlyAttribute(PathOf(path), readOnly: (mode & 0x92) == 0);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int ChOwn(byte* path, uint uid, uint gid, FuseFileInfo* fi)
    {
        // FAT has no owners; accepting keeps cp -a / rsync -a working.
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int UTimeNs(byte* path, Timespec* tv, FuseFileInfo* fi)
    {
        try
        {
            DateTime now = DateTime.UtcNow;
            DateTime? access = tv == null ? now : ToTime(tv[0], now);
            DateTime? modified = tv == null ? now : ToTime(tv[1], now);
            if (access is null && modified is null) return 0;
            Self().Core.FileSystem.SetTimes(PathOf(path), null, access, modified);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    private static DateTime? ToTime(Timespec t, DateTime now) => t.tv_nsec switch
    {
        Timespec.UTIME_OMIT => null,
        Timespec.UTIME_NOW => now,
        _ => t.ToDateTime(),
    };

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int StatFs(byte* path, NativeStatVfs* st)
    {
        try
        {
            FuseMount self = Self();
            FileSystemStats s = self.Core.FileSystem.GetStats();
            *st = default;
            st->f_bsize = (ulong)s.ClusterSize;
            st->f_frsize = (ulong)s.ClusterSize;
            st->f_blocks = (ulong)s.TotalClusters;
            st->f_bfree = (ulong)s.FreeClusters;
            st->f_bavail = (ulong)s.FreeClusters;
            st->f_namemax = (ulong)self.Core.FileSystem.MaxNameLength;
            if (self.Core.IsReadOnly) st->f_flag |= NativeStatVfs.ReadOnlyFlag;
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    private unsafe void FillStat(NativeStat* st, FileEntry entry, long length)
    {
        *st = default;
        bool readOnly = Core.IsReadOnly || (entry.Attributes & FileAttributes.ReadOnly) != 0;
        if (entry.IsDirectory)
        {
            st->st_mode = NativeStat.S_IFDIR | (readOnly ? 0x16Du : 0x1EDu); // 0555 / 0755
            st->st_nlink = 2;
        }
        else
        {
            st->st_mode = NativeStat.S_IFREG | (readOnly ? 0x124u : 0x1A4u); // 0444 / 0644
            st->st_nlink = 1;
            st->st_size = length;
            st->st_blocks = (length + 511) / 512;
        }
        st->st_uid = _uid;
        st->st_gid = _gid;
        // st_blksize is the preferred I/O size (cp and friends use it): ask for large transfers.
        st->st_blksize = Options.MaxRequestBytes;
        st->st_atim = Timespec.FromDateTime(entry.LastAccessTimeUtc);
        st->st_mtim = Timespec.FromDateTime(entry.LastWriteTimeUtc);
        st->st_ctim = st->st_mtim;
    }
}
