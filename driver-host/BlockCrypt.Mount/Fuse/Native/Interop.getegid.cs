using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

internal static partial class LibC
{
    /// <summary>gid_t getegid(void) (unistd.h).</summary>
    [LibraryImport(FuseLibrary.LibC)]
    internal static partial uint getegid();
}
