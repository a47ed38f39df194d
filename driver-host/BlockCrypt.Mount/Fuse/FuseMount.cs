using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse.Native;

namespace BlockCrypt.Mount.Fuse;

/// <summary>
/// Serves a <see cref="MountCore"/> at a directory through libfuse3's high-level API (fuse_main_real, multithreaded
/// loop, always in the foreground). <see cref="Run"/> blocks until the filesystem is unmounted
/// (<see cref="Unmount"/>, fusermount3 -u, or the kernel ending the session).
/// </summary>
/// <remarks>
/// Everything native code holds for the whole mount is native memory or static functions: the operations table
/// and argv are allocated with <see cref="NativeMemory"/>, the callbacks are static <c>[UnmanagedCallersOnly]</c>
/// methods, and this object is reached through a normal <see cref="GCHandle"/> passed as private_data.
/// </remarks>
public sealed partial class FuseMount
{
    private readonly ManualResetEventSlim _ready = new();
    private readonly uint _uid;
    private readonly uint _gid;
    private int _running;

    /// <summary>Prepares a mount of <paramref name="core"/> at <paramref name="mountPoint"/> (made absolute).</summary>
    public FuseMount(MountCore core, string mountPoint, FuseMountOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(core);
        Core = core;
        // libfuse changes the working directory to "/": only absolute paths stay valid.
        MountPoint = Path.GetFullPath(mountPoint).TrimEnd('/') is { Length: > 0 } p ? p : "/";
        Options = options ?? new FuseMountOptions();
        FuseLibrary.EnsureResolver();
        _uid = LibC.geteuid();
        _gid = LibC.getegid();
    }

    /// <summary>The operations core served.</summary>
    public MountCore Core { get; }

    /// <summary>The absolute mount point.</summary>
    public string MountPoint { get; }

    /// <summary>The options in force.</summary>
    public FuseMountOptions Options { get; }

    /// <summary>Set once the kernel has sent FUSE_INIT (the mount is in place).</summary>
    public WaitHandle Ready => _ready.WaitHandle;

    /// <summary>Raised (on a thread-pool thread) once the mount is ready.</summary>
    public event Action? Mounted;

    /// <summary>
    /// The FUSE device checked before mounting: /dev/fuse, or BLOCKCRYPT_FUSE_DEVICE when set (lets tests and
    /// packagers simulate a machine without FUSE).
    /// </summary>
    public static string DevicePath => Environment.GetEnvironmentVariable("BLOCKCRYPT_FUSE_DEVICE") is { Length: > 0 } d ? d : "/dev/fuse";

    /// <summary>True when the FUSE device exists and libfuse3 loads.</summary>
    public static bool IsSupported(out string reason)
    {
        if (!OperatingSystem.IsLinux()) { reason = "FUSE mounts need Linux."; return false; }
        string device = DevicePath;
        if (!File.Exists(device)) { reason = $"No FUSE device ({device} is missing; load the fuse module)."; return false; }
        if (!FuseLibrary.TryLoad(out _)) { reason = "libfuse3 is not installed (libfuse3.so.3 / .so.4 not found)."; return false; }
        reason = "";
        return true;
    }

    /// <summary>The libfuse command line this mount uses (program name first).</summary>
    public IReadOnlyList<string> BuildArguments()
    {
        var o = new StringBuilder();
        o.Append("max_read=").Append(Options.MaxRequestBytes);
        // libfuse 3.14 leaves max_idle_threads at UINT_MAX when unset and then logs "Ignoring invalid max threads
        // value 4294967295" on every mount; giving it explicitly (its documented default is 10) keeps stderr clean.
        o.Append(",max_idle_threads=10");
        o.Append(",fsname=").Append(Options.FsName).Append(",subtype=blockcrypt");
        if (Options.AutoUnmount) o.Append(",auto_unmount");
        if (Core.IsReadOnly) o.Append(",ro");
        // -f: never let libfuse fork (that breaks the .NET runtime); the host detaches by re-launching itself.
        return ["blockcrypt", MountPoint, "-f", "-o", o.ToString()];
    }

    /// <summary>Mounts and serves requests until unmounted; returns fuse_main_real's exit code (0 = clean).</summary>
    public unsafe int Run()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0) throw new InvalidOperationException("This mount is already running.");
        if (!IsSupported(out string reason)) throw new MountException(MountError.DriverUnavailable, reason);
        IReadOnlyList<string> args = BuildArguments();
        var self = GCHandle.Alloc(this);
        FuseOperations* ops = (FuseOperations*)NativeMemory.AllocZeroed((nuint)sizeof(FuseOperations));
        byte** argv = (byte**)NativeMemory.AllocZeroed((nuint)(args.Count + 1), (nuint)sizeof(byte*));
        try
        {
            for (int i = 0; i < args.Count; i++) argv[i] = (byte*)Marshal.StringToCoTaskMemUTF8(args[i]);
            FillOperations(ops);
            return FuseInterop.fuse_main_real(args.Count, argv, ops, (nuint)sizeof(FuseOperations), (void*)GCHandle.ToIntPtr(self));
        }
        finally
        {
            for (int i = 0; i < args.Count; i++) Marshal.FreeCoTaskMem((IntPtr)argv[i]);
            NativeMemory.Free(argv);
            NativeMemory.Free(ops);
            self.Free();
            _ready.Set(); // wake waiters even when the mount failed
        }
    }

    /// <summary>Asks the kernel to unmount (fusermount3 -u, or -u -z when <paramref name="lazy"/>); true on success.</summary>
    public bool Unmount(bool lazy = false) => UnmountPath(MountPoint, lazy);

    /// <summary>Unmounts any FUSE mount at <paramref name="mountPoint"/> with fusermount3; true on success.</summary>
    public static bool UnmountPath(string mountPoint, bool lazy)
    {
        var psi = new ProcessStartInfo("fusermount3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(lazy ? "-uz" : "-u");
        psi.ArgumentList.Add(Path.GetFullPath(mountPoint));
        using Process p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    /// <summary>True when /proc/self/mountinfo lists a mount at <paramref name="mountPoint"/>.</summary>
    public static bool IsMounted(string mountPoint) => FindMountDevice(Path.GetFullPath(mountPoint).TrimEnd('/')) is not null;

    private void OnInit()
    {
        _ready.Set();
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            self.RaiseReadAhead();
            self.Mounted?.Invoke();
        }, this, preferLocal: false);
    }

    // Reads through the page cache arrive as 128 KiB requests unless the bdi read-ahead is raised (PLATFORM-NOTES).
    private void RaiseReadAhead()
    {
        if (Options.ReadAheadKiB <= 0) return;
        try
        {
            string? device = FindMountDevice(MountPoint);
            if (device is null) return;
            string file = $"/sys/class/bdi/{device}/read_ahead_kb";
            if (File.Exists(file)) File.WriteAllText(file, Options.ReadAheadKiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not root or no sysfs: the mount works, only with smaller reads.
        }
    }

    /// <summary>The "major:minor" of the mount at an absolute path, from /proc/self/mountinfo (proc(5)).</summary>
    internal static string? FindMountDevice(string absolutePath)
    {
        string? found = null;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw  (field 3 = maj:min, field 5 = mount point)
            string[] f = line.Split(' ');
            if (f.Length > 4 && UnescapeMountInfo(f[4]) == absolutePath) found = f[2];
        }
        return found;
    }

    private static string UnescapeMountInfo(string s) =>
        s.Contains('\\') ? s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\") : s;
}
