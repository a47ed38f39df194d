using System.Runtime.InteropServices;

namespace BlockCrypt.Crypto.Native;

/// <summary>The two libc calls the VAES tier needs to place its generated kernels in executable memory (Linux x86-64).</summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    /// <summary>PROT_READ (Linux, all architectures).</summary>
    public const int ProtRead = 0x1;

    /// <summary>PROT_WRITE.</summary>
    public const int ProtWrite = 0x2;

    /// <summary>PROT_EXEC.</summary>
    public const int ProtExec = 0x4;

    /// <summary>MAP_PRIVATE.</summary>
    public const int MapPrivate = 0x02;

    /// <summary>MAP_ANONYMOUS (x86-64 value).</summary>
    public const int MapAnonymous = 0x20;

    /// <summary>mmap(2): returns MAP_FAILED, (void*)-1, on error.</summary>
    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    /// <summary>mprotect(2): 0 on success.</summary>
    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(void* address, nuint length, int protection);

    /// <summary>munmap(2): 0 on success.</summary>
    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* address, nuint length);
}
