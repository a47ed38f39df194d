using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse.Native;

namespace BlockCrypt.Mount.Fuse;

// The libfuse callbacks (fuse.h, struct fuse_operations). Each is a static [UnmanagedCallersOnly] function that
// finds its FuseMount through fuse_get_context()->private_data, catches every exception and returns -errno.
public sealed partial class FuseMount
{
    // open(2) flags (asm-generic/fcntl.h).
    private const int O_ACCMODE = 3, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200;
    // renameat2(2) flags.
    private const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;

    private static unsafe void FillOperations(FuseOperations* ops)
    {
        ops->getattr = (delegate* unmanaged[Cdecl]<byte*, NativeStat*, FuseFileInfo*, int>)&GetAttr;
        ops->mkdir = (delegate* unmanaged[Cdecl]<byte*, uint, int>)&MkDir;
        ops->unlink = (delegate* unmanaged[Cdecl]<byte*, int>)&Unlink;
        ops->rmdir = (delegate* unmanaged[Cdecl]<byte*, int>)&RmDir;
        ops->rename = (delegate* unmanaged[Cdecl]<byte*, byte*, uint, int>)&Rename;
        ops->chmod = (delegate* unmanaged[Cdecl]<byte*, uint, FuseFileInfo*, int>)&ChMod;
        ops->chown = (delegate* unmanaged[Cdecl]<byte*, uint, uint, FuseFileInfo*, int>)&ChOwn;
        ops->truncate = (delegate* unmanaged[Cdecl]<byte*, long, FuseFileInfo*, int>)&Truncate;
        ops->open = (delegate* unmanaged[Cdecl]<byte*, FuseFileInfo*, int>)&Open;
        ops->read = (delegate* unmanaged[Cdecl]<byte*, byte*, nuint, long, FuseFileInfo*, int>)&Read;
        ops->write = (delegate* unmanaged[Cdecl]<byte*, byte*, nuint, long, FuseFileInfo*, int>)&Write;
        ops->statfs = (delegate* unmanaged[Cdecl]<byte*, NativeStatVfs*, int>)&StatFs;
        ops->flush = (delegate* unmanaged[Cdecl]<byte*, FuseFileInfo*, int>)&FlushFile;
        ops->release = (delegate* unmanaged[Cdecl]<byte*, FuseFileInfo*, int>)&Release;
        ops->fsync = (delegate* unmanaged[Cdecl]<byte*, int, FuseFileInfo*, int>)&FSync;
        ops->readdir = (delegate* unmanaged[Cdecl]<byte*, void*, void*, long, FuseFileInfo*, int, int>)&ReadDir;
        ops->init = (delegate* unmanaged[Cdecl]<FuseConnInfo*, FuseConfig*, void*>)&Init;
        ops->create = (delegate* unmanaged[Cdecl]<byte*, uint, FuseFileInfo*, int>)&Create;
        ops->utimens = (delegate* unmanaged[Cdecl]<byte*, Timespec*, FuseFileInfo*, int>)&UTimeNs;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe FuseMount Self() =>
        (FuseMount)GCHandle.FromIntPtr((IntPtr)FuseInterop.fuse_get_context()->private_data).Target!;

    private static unsafe string PathOf(byte* path) => MountPath.Normalize(Marshal.PtrToStringUTF8((IntPtr)path) ?? "/");

    private static int Fail(Exception e) => -ErrorMapping.ToErrno(e);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void* Init(FuseConnInfo* conn, FuseConfig* cfg)
    {
        void* privateData = FuseInterop.fuse_get_context()->private_data;
        try
        {
            FuseMount self = (FuseMount)GCHandle.FromIntPtr((IntPtr)privateData).Target!;
            // -o max_read=N fails unless conn->max_read matches; max_write is no option in 3.x (PLATFORM-NOTES).
            uint max = (uint)self.Options.MaxRequestBytes;
            conn->max_write = max;
            conn->max_read = max;
            conn->max_readahead = max;
            cfg->direct_io = self.Options.DirectIo ? 1 : 0;
            if (self.Options.WritebackCache && (conn->capable & FuseConnInfo.WritebackCache) != 0) conn->want |= FuseConnInfo.WritebackCache;
            self.OnInit();
        }
        catch (Exception)
        {
            // init has no error return; the mount still works with libfuse's defaults.
        }
        // The returned pointer becomes private_data for every later callback.
        return privateData;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int GetAttr(byte* path, NativeStat* st, FuseFileInfo* fi)
    {
        try
        {
            FuseMount self = Self();
            FileEntry entry = self.Core.FileSystem.Stat(PathOf(path));
            long length = entry.Length;
            // An open file's handle knows writes its directory entry may not show yet.
            if (fi != null && !entry.IsDirectory) length = self.Core.GetLength(fi->fh);
            self.FillStat(st, entry, length);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int ReadDir(byte* path, void* buf, void* filler, long offset, FuseFileInfo* fi, int flags)
    {
        try
        {
            FuseMount self = Self();
            var fill = (delegate* unmanaged[Cdecl]<void*, byte*, NativeStat*, long, int, int>)filler;
            string dir = PathOf(path);
            IReadOnlyList<FileEntry> entries = self.Core.FileSystem.ReadDirectory(dir);
            NativeStat st = default;
            st.st_mode = NativeStat.S_IFDIR | 0x1ED;
            byte* dot = stackalloc byte[] { (byte)'.', 0, (byte)'.', (byte)'.', 0 };
            // Offset 0 mode: the whole listing in one call; filler returns 1 when libfuse's buffer is full.
            if (fill(buf, dot, &st, 0, 0) != 0 || fill(buf, dot + 2, &st, 0, 0) != 0) return 0;
            byte* name = stackalloc byte[1024];
            foreach (FileEntry entry in entries)
            {
                int n = System.Text.Encoding.UTF8.GetBytes(entry.Name, new Span<byte>(name, 1023));
                name[n] = 0;
                st.st_mode = entry.IsDirectory ? NativeStat.S_IFDIR | 0x1ED : NativeStat.S_IFREG | 0x1A4;
                if (fill(buf, name, &st, 0, 0) != 0) break;
            }
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Open(byte* path, FuseFileInfo* fi)
    {
        try
        {
            FuseMount self = Self();
            bool writable = (fi->flags & O_ACCMODE) != 0;
            FileOpenMode mode = writable && (fi->flags & O_TRUNC) != 0 ? FileOpenMode.Truncate : FileOpenMode.Open;
            fi->fh = self.Core.Open(PathOf(path), mode, writable);
            self.SetOpenBits(fi);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Create(byte* path, uint mode, FuseFileInfo* fi)
    {
        try
        {
            FuseMount self = Self();
            int flags = fi->flags;
            FileOpenMode openMode = (flags & O_EXCL) != 0 ? FileOpenMode.CreateNew
                : (flags & O_TRUNC) != 0 ? FileOpenMode.Create
                : FileOpenMode.OpenOrCreate;
            _ = O_CREAT; // create is only called for O_CREAT opens.
            fi->fh = self.Core.Open(PathOf(path), openMode, writable: true);
            self.SetOpenBits(fi);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    private unsafe void SetOpenBits(FuseFileInfo* fi)
    {
        // keep_cache: this host is the only writer of the volume, so cached pages stay valid across opens.
        fi->bits |= FuseFileInfo.KeepCache;
        if (Options.DirectIo) fi->bits |= FuseFileInfo.DirectIo;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Read(byte* path, byte* buf, nuint size, long offset, FuseFileInfo* fi)
    {
        try
        {
            // No allocation: the handle comes from the pre-sized table and the span covers libfuse's buffer.
            return Self().Core.Read(fi->fh, offset, new Span<byte>(buf, checked((int)size)));
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Write(byte* path, byte* buf, nuint size, long offset, FuseFileInfo* fi)
    {
        try
        {
            int n = checked((int)size);
            Self().Core.Write(fi->fh, offset, new ReadOnlySpan<byte>(buf, n));
            return n;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Truncate(byte* path, long size, FuseFileInfo* fi)
    {
        try
        {
            FuseMount self = Self();
            if (fi != null) self.Core.SetLength(fi->fh, size); // ftruncate
            else self.Core.Truncate(PathOf(path), size);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int FlushFile(byte* path, FuseFileInfo* fi)
    {
        // flush runs at every close(2) of a descriptor; durability is fsync's job, and nothing is buffered above
        // the filesystem, so there is nothing to do here.
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int FSync(byte* path, int datasync, FuseFileInfo* fi)
    {
        try
        {
            FuseMount self = Self();
            if (fi != null) self.Core.Flush(fi->fh);
            else self.Core.FileSystem.Flush();
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Release(byte* path, FuseFileInfo* fi)
    {
        try
        {
            Self().Core.Close(fi->fh);
            return 0;
        }
        catch (Exception e) { return Fail(e); }
    }
}
