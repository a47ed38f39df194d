using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Host;

/// <summary>The process-wide list of in-process mounts and the exit hook.</summary>
public sealed partial class InProcessMount
{
    /// <summary>How long the exit hook waits for each mount to close.</summary>
    private static readonly TimeSpan ExitDismountTimeout = TimeSpan.FromSeconds(20);

    private static readonly List<InProcessMount> s_mounts = [];
    private static int s_exitHooked;

    /// <summary>The mounts of this process that are in place now (a snapshot).</summary>
    public static IReadOnlyList<InProcessMount> Active
    {
        get
        {
            lock (s_mounts) return [.. s_mounts.Where(m => m.IsMounted)];
        }
    }

    /// <summary>The live in-process mount at <paramref name="mountPoint"/> (any spelling of the path), or null.</summary>
    public static InProcessMount? FindByMountPoint(string mountPoint)
    {
        ArgumentNullException.ThrowIfNull(mountPoint);
        string full = MountPointCheck.Normalize(mountPoint);
        lock (s_mounts) return s_mounts.FirstOrDefault(m => m.IsMounted && MountPointCheck.Same(m.MountPoint, full));
    }

    /// <summary>The live in-process mount of <paramref name="containerPath"/> (symbolic links resolved), or null.</summary>
    public static InProcessMount? FindByContainer(string containerPath)
    {
        ArgumentNullException.ThrowIfNull(containerPath);
        string resolved = MountLock.Resolve(containerPath);
        lock (s_mounts) return s_mounts.FirstOrDefault(m => m.IsMounted && m._resolvedContainer == resolved);
    }

    /// <summary>
    /// Dismounts every in-process mount (busy ones lazily), those still starting included; never throws. When the
    /// process's working directory is inside one of them it is first moved to "/". The ProcessExit and SIGTERM hooks
    /// call it, so a session that exits leaves nothing mounted.
    /// </summary>
    public static void DismountAll(TimeSpan? timeout = null)
    {
        InProcessMount[] all;
        lock (s_mounts) all = [.. s_mounts];
        LeaveMountedDirectories(all);
        foreach (InProcessMount mount in all)
        {
            try
            {
                mount.Dismount(force: true, timeout ?? DefaultDismountTimeout);
            }
            catch (IOException)
            {
                // Keep going: the other mounts matter as much.
            }
        }
    }

    /// <summary>
    /// A process whose working directory is inside a mount keeps it busy: the unmount would only detach it lazily and
    /// the volume would close at process end without its clean bit. Move out first (the process is ending anyway).
    /// </summary>
    private static void LeaveMountedDirectories(InProcessMount[] mounts)
    {
        try
        {
            string cwd = Path.TrimEndingDirectorySeparator(Environment.CurrentDirectory);
            if (mounts.Any(m => MountPointCheck.Same(cwd, m.MountPoint)
                    || cwd.StartsWith(Path.TrimEndingDirectorySeparator(m.MountPoint) + Path.DirectorySeparatorChar, MountPointCheck.PathComparison)))
                Environment.CurrentDirectory = OperatingSystem.IsWindows() ? Path.GetTempPath() : "/";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The working directory is gone or unreadable: nothing to leave.
        }
    }

    private static void Register(InProcessMount mount)
    {
        lock (s_mounts) s_mounts.Add(mount);
    }

    private static void Unregister(InProcessMount mount)
    {
        lock (s_mounts) s_mounts.Remove(mount);
    }

    private static void EnsureExitHook()
    {
        if (Interlocked.Exchange(ref s_exitHooked, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit += static (_, _) => DismountAll(ExitDismountTimeout);
        // PowerShell ends on SIGTERM without running ProcessExit handlers (checked with pwsh 7.6): dismount first,
        // then let the default handling (Cancel stays false) end the process. Kept for the process's lifetime.
        if (!OperatingSystem.IsWindows())
            s_termination = PosixSignalRegistration.Create(PosixSignal.SIGTERM, static _ => DismountAll(ExitDismountTimeout));
    }

    private static PosixSignalRegistration? s_termination;
}
