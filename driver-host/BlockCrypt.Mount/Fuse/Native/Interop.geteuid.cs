using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

internal static partial class LibC
{
    /// <summary>uid_t geteuid(void) (unistd.h).</summary>
    [LibraryImport(FuseLibrary.LibC)]
    internal static partial uint geteuid();
}
