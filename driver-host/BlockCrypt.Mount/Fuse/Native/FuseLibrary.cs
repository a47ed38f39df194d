using System.Reflection;
using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>
/// Native library names of the mount adapters and the one <see cref="DllImportResolver"/> of this assembly:
/// "fuse3" resolves to libfuse3.so.4 (3.17+, slots only appended) and then libfuse3.so.3 (3.14 on Debian 12).
/// </summary>
internal static class FuseLibrary
{
    /// <summary>The logical name used in the fuse interop declarations.</summary>
    public const string Name = "fuse3";

    /// <summary>The C library (geteuid, getegid, flock).</summary>
    public const string LibC = "libc";

    private static readonly string[] Candidates = ["libfuse3.so.4", "libfuse3.so.3"];
    private static int _registered;

    /// <summary>Registers the resolver once (idempotent, thread-safe).</summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(FuseLibrary).Assembly, Resolve);
    }

    /// <summary>True when a libfuse3 shared object can be loaded.</summary>
    public static bool TryLoad(out string? loadedName)
    {
        foreach (string candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                NativeLibrary.Free(handle);
                loadedName = candidate;
                return true;
            }
        }
        loadedName = null;
        return false;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == Name)
        {
            foreach (string candidate in Candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out IntPtr handle)) return handle;
            }
        }
        else if (libraryName == LibC && OperatingSystem.IsLinux())
        {
            if (NativeLibrary.TryLoad("libc.so.6", out IntPtr handle)) return handle;
        }
        return IntPtr.Zero;
    }
}
