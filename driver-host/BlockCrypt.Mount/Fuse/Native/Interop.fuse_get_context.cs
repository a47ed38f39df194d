using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

internal static unsafe partial class FuseInterop
{
    /// <summary>struct fuse_context *fuse_get_context(void) (fuse.h): valid inside a callback only.</summary>
    [LibraryImport(FuseLibrary.Name)]
    internal static partial FuseContext* fuse_get_context();
}
