using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

internal static unsafe partial class FuseInterop
{
    /// <summary>int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op, size_t op_size, void *private_data) (fuse.h).</summary>
    [LibraryImport(FuseLibrary.Name)]
    internal static partial int fuse_main_real(int argc, byte** argv, FuseOperations* op, nuint opSize, void* privateData);
}
