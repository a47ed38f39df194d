using System.Runtime.InteropServices;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// The foreground mount host: checks the mount point, the driver and the single-mount lock before anything is
/// unlocked; then unlock → IBlockDevice → <see cref="FatFileSystem.Open"/> → <see cref="MountCore"/> → the platform's
/// adapter (<see cref="FuseMount"/> on Linux, <see cref="Dokan.DokanMount"/> on Windows).
/// SIGTERM, SIGINT and SIGHUP (and <see cref="RequestUnmount"/>) flush, unmount; after the loop ends the open files are
/// closed, the filesystem disposed (FAT clean bit set), the keys zeroed (source disposed) and the lock released. On
/// Windows .NET maps Ctrl-C to SIGINT, console close to SIGHUP and logoff/shutdown to SIGTERM; Windows ends the process
/// once a close or shutdown handler returns, so for those two the handler itself waits (a few seconds at most) until
/// the volume is closed.
/// </summary>
public sealed class MountHost
{
    private readonly MountHostOptions _options;
    private IMountAdapter? _mount;
    private int _stopping;

    /// <summary>Creates a host.</summary>
    public MountHost(MountHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Raised (thread pool) once the mount is in place, with the absolute mount point.</summary>
    public event Action<string>? Mounted;

    /// <summary>
    /// Runs the mount until it is unmounted. <paramref name="unlock"/> is called only after every check passed.
    /// Returns 0 after a clean unmount.
    /// </summary>
    /// <exception cref="MountException">Bad mount point, already mounted, no FUSE, mount failure.</exception>
    public int Run(Func<MountSource> unlock)
    {
        ArgumentNullException.ThrowIfNull(unlock);
        string mountPoint = MountPointCheck.Validate(_options.MountPoint);
        MountPointCheck.RequireDriver();
        using MountLock mountLock = MountLock.Acquire(_options.Container);
        MountSource source = unlock();
        try
        {
            using FatFileSystem fs = FatFileSystem.Open(source.Device, _options.ReadOnly);
            using var core = new MountCore(fs, _options.Fuse.MaxOpenFiles);
            IMountAdapter mount = MountAdapters.Create(core, mountPoint, _options, OperatingSystem.IsWindows());
            mount.Mounted += () => Mounted?.Invoke(mountPoint); // the normalized form records and unmount use
            _mount = mount;
            // In-process (a PowerShell session), the signals belong to the process: SIGINT must not unmount, and
            // SIGTERM must end the process, whose ProcessExit handler then dismounts (InProcessMount).
            using PosixSignalRegistration? term = InProcess ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using PosixSignalRegistration? intr = InProcess ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using PosixSignalRegistration? hup = InProcess ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
            bool ready = false;
            mount.Mounted += () => ready = true;
            mountLock.Record(mountPoint, InProcess);
            int code = mount.Run();
            if (!ready && code != 0)
                throw new MountException(MountError.MountFailed, $"Could not mount '{mountPoint}' (the driver returned {code}).");
            // Leaving the usings: core closes the open files and flushes, fs sets the clean bit; then the source below.
            return code;
        }
        finally
        {
            _mount = null;
            // The device first (it may flush through the keys), then the owner, which zeroes them.
            try
            {
                source.Device.Dispose();
                source.Owner?.Dispose();
            }
            finally
            {
                _closed.Set();
            }
        }
    }

    /// <summary>Set once Run has closed the volume (keys zeroed) or failed.</summary>
    private readonly ManualResetEventSlim _closed = new();

    /// <summary>How long <see cref="Unmount"/> retries a mount point that refuses as busy before reporting it.</summary>
    private static readonly TimeSpan BusyGrace = TimeSpan.FromSeconds(3);

    /// <summary>How long a Windows console-close or shutdown handler waits for the volume to close.</summary>
    private static readonly TimeSpan WindowsCloseWait = TimeSpan.FromSeconds(4);

    /// <summary>
    /// True when the host runs inside a process that lives on after the unmount (<see cref="InProcessMount"/>):
    /// no signal handlers, and the .mount record says so.
    /// </summary>
    internal bool InProcess { get; init; }

    /// <summary>Flushes and unmounts (what the signals do); safe to call from any thread, more than once.</summary>
    public void RequestUnmount() => TryRequestUnmount(allowLazy: true);

    /// <summary>
    /// Flushes and unmounts. Without <paramref name="allowLazy"/> a busy mount point is left mounted and false is
    /// returned; with it, a busy mount point is detached lazily (the loop ends once its last user closes).
    /// False also when nothing is mounted yet; true when an unmount was already requested.
    /// </summary>
    internal bool TryRequestUnmount(bool allowLazy)
    {
        IMountAdapter? mount = _mount;
        if (mount is null) return false;
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return true;
        try
        {
            if (!mount.Core.IsReadOnly) mount.Core.FileSystem.Flush();
        }
        catch (IOException)
        {
            // Unmounting matters more; the final dispose flushes again and reports.
        }
        // A busy mount point (a shell cd'ed into it) refuses a normal unmount: detach it lazily then.
        if (mount.Unmount() || (allowLazy && mount.Unmount(lazy: true))) return true;
        Volatile.Write(ref _stopping, 0); // not unmounted (busy, or not mounted yet): a later request must try again
        return false;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (OperatingSystem.IsWindows() && context.Signal is PosixSignal.SIGHUP or PosixSignal.SIGTERM)
        {
            // Console close, logoff or shutdown: the process ends when this returns, whatever Cancel says.
            RequestUnmount();
            _closed.Wait(WindowsCloseWait);
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static h => h.RequestUnmount(), this, preferLocal: false);
    }

    /// <summary>
    /// Unmounts what is mounted at <paramref name="mountPoint"/> and waits (up to <paramref name="timeout"/>) for
    /// the host process to finish closing the volume, so the container is consistent when this returns. A busy
    /// refusal while the mount is still there is retried for <see cref="BusyGrace"/>: the kernel sends FUSE release
    /// requests after close(2) returns, so a file closed just before can keep the mount point busy for a moment.
    /// </summary>
    /// <exception cref="MountException"><see cref="MountError.NotMounted"/> or <see cref="MountError.MountFailed"/>.</exception>
    public static void Unmount(string mountPoint, TimeSpan? timeout = null)
    {
        string full = MountPointCheck.Normalize(mountPoint);
        if (!MountPointCheck.IsMounted(full)) throw new MountException(MountError.NotMounted, $"Nothing is mounted on '{mountPoint}'.");
        TimeSpan wait = timeout ?? TimeSpan.FromSeconds(60);
        DateTime busyUntil = DateTime.UtcNow + BusyGrace;
        while (true)
        {
            try
            {
                UnmountOnce(mountPoint, full, wait);
                return;
            }
            catch (MountException e) when (e.Error == MountError.MountFailed && DateTime.UtcNow < busyUntil && MountPointCheck.IsMounted(full))
            {
                Thread.Sleep(100);
            }
        }
    }

    private static void UnmountOnce(string mountPoint, string full, TimeSpan wait)
    {
        // Served by this process through InProcessMount: its Dismount unmounts and waits for the host thread.
        if (InProcessMount.FindByMountPoint(full) is { } own)
        {
            own.Dismount(force: false, wait);
            return;
        }
        MountLock.HostRecord? host = MountLock.FindHostRecord(full);
        bool unmounted = OperatingSystem.IsWindows() ? Dokan.DokanMount.UnmountPath(full) : FuseMount.UnmountPath(full, lazy: false);
        if (!unmounted)
            throw new MountException(MountError.MountFailed, $"'{mountPoint}' is busy; close the programs using it and retry.");
        if (host is not { } h) return;
        DateTime end = DateTime.UtcNow + wait;
        if (h.InProcess || h.Pid == Environment.ProcessId)
        {
            // The serving process lives on (a PowerShell session): its host deletes the record once the volume is closed.
            while (MountLock.StillRecorded(h, full) && MountLock.IsAlive(h.Pid) && DateTime.UtcNow < end) Thread.Sleep(50);
        }
        else
        {
            while (MountLock.IsAlive(h.Pid) && DateTime.UtcNow < end) Thread.Sleep(50);
        }
    }
}
