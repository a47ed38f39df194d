using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

internal static partial class LibC
{
    /// <summary>int flock(int fd, int operation) (sys/file.h).</summary>
    [LibraryImport(FuseLibrary.LibC, SetLastError = true)]
    internal static partial int flock(int fd, int operation);

    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
}
