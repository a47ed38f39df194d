using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// A process-wide, reference-counted PKCS#11 module load. PKCS#11 allows one C_Initialize per module per process
/// (v2.40 §5.4: a second call returns CKR_CRYPTOKI_ALREADY_INITIALIZED), so every <see cref="Pkcs11Token"/> on the same
/// module shares one loaded library; the last release calls C_Finalize and unloads it, so a later load sees a fresh
/// configuration (SoftHSM2 reads SOFTHSM2_CONF in C_Initialize). Thread-safe.
/// </summary>
internal sealed class Pkcs11Module
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Pkcs11Module> Loaded = new(StringComparer.Ordinal);

    private readonly string _path;
    private int _references;

    private Pkcs11Module(string path, IPkcs11Library library)
    {
        _path = path;
        Library = library;
    }

    /// <summary>The loaded, initialised library (multi-threaded: CKF_OS_LOCKING_OK).</summary>
    public IPkcs11Library Library { get; }

    static Pkcs11Module()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibDl);
        }
        catch (InvalidOperationException)
        {
            // Another component of the process already installed a resolver for Pkcs11Interop; keep theirs.
        }
    }

    /// <summary>The factories used for every object of this module.</summary>
    public static Pkcs11InteropFactories Factories { get; } = new();

    /// <summary>Loads (or shares) the module at <paramref name="modulePath"/>; release with <see cref="Release"/>.</summary>
    /// <exception cref="CustomerKeyException"><see cref="CustomerKeyError.ModuleUnavailable"/> when it cannot be loaded.</exception>
    public static Pkcs11Module Acquire(string modulePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        // A path with a directory part must exist; a bare name is left to the dynamic loader's search path.
        bool hasDirectory = modulePath.Contains('/') || modulePath.Contains('\\');
        string key = hasDirectory ? Path.GetFullPath(modulePath) : modulePath;
        if (hasDirectory && !File.Exists(key))
        {
            throw new CustomerKeyException(CustomerKeyError.ModuleUnavailable, $"PKCS#11 module not found: {modulePath}");
        }

        lock (Gate)
        {
            if (!Loaded.TryGetValue(key, out Pkcs11Module? module))
            {
                module = new Pkcs11Module(key, Load(key));
                Loaded.Add(key, module);
            }

            module._references++;
            return module;
        }
    }

    /// <summary>Drops one reference; the last one finalizes and unloads the module.</summary>
    public void Release()
    {
        lock (Gate)
        {
            if (--_references > 0)
            {
                return;
            }

            Loaded.Remove(_path);
            try
            {
                Library.Dispose();
            }
            catch (Pkcs11Exception)
            {
                // C_Finalize failing leaves nothing for the caller to do; the handle is gone either way.
            }
        }
    }

    private static IPkcs11Library Load(string path)
    {
        try
        {
            return Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
        }
        catch (Pkcs11Exception e)
        {
            throw new CustomerKeyException(CustomerKeyError.ModuleUnavailable,
                $"PKCS#11 module {path} failed to initialise: {e.RV}", (ulong)e.RV, e);
        }
        catch (Exception e) when (e is UnmanagedException or LibraryArchitectureException or DllNotFoundException
                                      or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new CustomerKeyException(CustomerKeyError.ModuleUnavailable,
                $"PKCS#11 module {path} cannot be loaded: {OneLine(e.Message)}", inner: e);
        }
    }

    /// <summary>
    /// Pkcs11Interop 5 imports dlopen/dlsym/dlerror from "libdl", which the loader probes as libdl.so; since glibc 2.34
    /// those functions live in libc and only the compatibility soname libdl.so.2 exists (libdl.so comes with the -dev
    /// package). Resolve the soname explicitly, falling back to libc.so.6.
    /// </summary>
    private static nint ResolveLibDl(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "libdl" || !OperatingSystem.IsLinux())
        {
            return nint.Zero;
        }

        return NativeLibrary.TryLoad("libdl.so.2", out nint handle) || NativeLibrary.TryLoad("libc.so.6", out handle)
            ? handle
            : nint.Zero;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
