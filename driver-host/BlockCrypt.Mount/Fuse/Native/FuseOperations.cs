using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>
/// struct fuse_operations of libfuse 3.14 (fuse.h): 42 function pointers, 336 bytes on 64-bit. Slots this
/// adapter does not implement stay null (libfuse then answers ENOSYS). Newer libfuse versions only append slots.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseOperations
{
    public void* getattr, readlink, mknod, mkdir, unlink, rmdir, symlink, rename, link, chmod, chown, truncate,
        open, read, write, statfs, flush, release, fsync, setxattr, getxattr, listxattr, removexattr, opendir,
        readdir, releasedir, fsyncdir, init, destroy, access, create, @lock, utimens, bmap, ioctl, poll,
        write_buf, read_buf, flock, fallocate, copy_file_range, lseek;
}
