using System.Runtime.ExceptionServices;
using BlockCrypt.Mount.Core;
using BlockCrypt.Volume;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// A mount served inside the calling process (a PowerShell session): the same <see cref="MountHost"/> as the CLI's
/// foreground host (same checks, same single-mount lock and .mount record in <see cref="MountLock.LockDirectory"/>,
/// same clean close), run on a dedicated background thread, without signal handlers. <see cref="Start"/> returns once
/// the kernel has the mount; <see cref="Dismount"/> flushes, unmounts, lets the host set the FAT clean bit and zero
/// the keys, and waits for the thread. Live mounts are listed by <see cref="Active"/>; when the process exits
/// (AppDomain.ProcessExit) every one still mounted is dismounted.
/// </summary>
/// <remarks>Thread-safe: <see cref="Dismount"/> and <see cref="Dispose"/> may be called from any thread, more than once.</remarks>
public sealed partial class InProcessMount : IDisposable
{
    /// <summary>How long <see cref="Dismount"/> waits for the volume to be closed when no timeout is given.</summary>
    public static readonly TimeSpan DefaultDismountTimeout = TimeSpan.FromSeconds(60);

    private readonly MountHost _host;
    private readonly Func<MountSource> _unlock;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _ready = new();
    private readonly ManualResetEventSlim _ended = new();
    private readonly Lock _gate = new();
    private readonly string _resolvedContainer;
    private bool _isReady;
    private bool _abandoned;
    private ExceptionDispatchInfo? _failure;
    private int _failureReported;

    private InProcessMount(MountHostOptions options, Func<MountSource> unlock)
    {
        ContainerPath = Path.GetFullPath(options.Container);
        _resolvedContainer = MountLock.Resolve(ContainerPath);
        MountPoint = MountPointCheck.Normalize(options.MountPoint);
        ReadOnly = options.ReadOnly;
        _unlock = unlock;
        _host = new MountHost(options) { InProcess = true };
        _host.Mounted += OnMounted;
        _thread = new Thread(Serve) { IsBackground = true, Name = "blockcrypt-mount " + MountPoint };
    }

    /// <summary>The absolute mount point.</summary>
    public string MountPoint { get; }

    /// <summary>The container's absolute path (as given, made absolute).</summary>
    public string ContainerPath { get; }

    /// <summary>The volume id (from <see cref="MountSource.VolumeId"/> or an <see cref="UnlockedVolume"/> owner; null if unknown).</summary>
    public Guid? VolumeId { get; private set; }

    /// <summary>True when mounted read-only.</summary>
    public bool ReadOnly { get; }

    /// <summary>When the mount became ready.</summary>
    public DateTimeOffset MountedUtc { get; private set; }

    /// <summary>True from readiness until the host thread has closed the volume.</summary>
    public bool IsMounted => Volatile.Read(ref _isReady) && !_ended.IsSet;

    /// <summary>
    /// Mounts <paramref name="options"/>.Container at <paramref name="options"/>.MountPoint and returns once the mount
    /// is in place. <paramref name="unlock"/> runs on the mount thread, only after the mount point, FUSE and the lock
    /// were checked. On failure nothing stays mounted or locked, and the source <paramref name="unlock"/> returned
    /// has been disposed.
    /// </summary>
    /// <param name="options">Container, mount point, read-only, FUSE tuning.</param>
    /// <param name="unlock">Opens and unlocks the volume (e.g. <see cref="MountSource.ForUnlockedVolume"/>).</param>
    /// <param name="timeout">Longest wait for readiness, unlocking included (<see cref="Timeout.InfiniteTimeSpan"/> for none).</param>
    /// <exception cref="MountException">BadMountPoint, AlreadyMounted, DriverUnavailable, MountFailed (also on timeout).</exception>
    /// <exception cref="VolumeException">Whatever <paramref name="unlock"/> throws (wrong credential, damaged metadata, TPM ...).</exception>
    /// <exception cref="BlockCrypt.FileSystem.FileSystemException">The volume holds no usable FAT32 filesystem.</exception>
    public static InProcessMount Start(MountHostOptions options, Func<MountSource> unlock, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(unlock);
        EnsureExitHook();
        var mount = new InProcessMount(options, unlock);
        Register(mount);
        mount._thread.Start();
        int signalled = WaitHandle.WaitAny([mount._ready.WaitHandle, mount._ended.WaitHandle], timeout);
        if (signalled == 0) return mount;
        if (signalled == 1)
        {
            mount._thread.Join();
            mount.ThrowFailureOnce();
            throw new MountException(MountError.MountFailed, $"The mount of '{options.Container}' ended before it was ready.");
        }
        lock (mount._gate)
        {
            if (mount._isReady) return mount; // became ready just now
            mount._abandoned = true; // OnMounted unmounts if the mount still comes up
        }
        mount._host.TryRequestUnmount(allowLazy: true);
        mount._ended.Wait(TimeSpan.FromSeconds(10));
        throw new MountException(MountError.MountFailed,
            $"The mount of '{options.Container}' at '{options.MountPoint}' was not ready within {timeout.TotalSeconds:0.#} s; it was abandoned.");
    }

    /// <summary>
    /// Flushes, unmounts and waits (up to <paramref name="timeout"/>, default <see cref="DefaultDismountTimeout"/>)
    /// until the host thread has closed the files, set the FAT clean bit, zeroed the keys and released the lock.
    /// A busy mount point (a program has a file open or its working directory there) is refused unless
    /// <paramref name="force"/>, which detaches it lazily: the volume is then closed when its last user lets go.
    /// Does nothing when already dismounted.
    /// </summary>
    /// <exception cref="MountException">MountFailed: busy, or not closed in time.</exception>
    /// <exception cref="IOException">The host failed while closing the volume (reported once).</exception>
    public void Dismount(bool force = false, TimeSpan? timeout = null)
    {
        TimeSpan wait = timeout ?? DefaultDismountTimeout;
        if (!_ended.IsSet)
        {
            lock (_gate) _abandoned = true; // a mount still starting (ProcessExit during Start) unmounts as soon as it is up
            bool requested = _host.TryRequestUnmount(allowLazy: force);
            if (!requested && !_ended.IsSet && Volatile.Read(ref _isReady) && MountPointCheck.IsMounted(MountPoint))
                throw new MountException(MountError.MountFailed, $"'{MountPoint}' is busy; close the programs using it and retry.");
            if (!_ended.Wait(wait))
                throw new MountException(MountError.MountFailed,
                    $"'{MountPoint}' was unmounted but the volume was not closed within {wait.TotalSeconds:0.#} s (a program still holds a file open on it).");
        }
        _thread.Join();
        ThrowFailureOnce();
    }

    /// <summary>Dismounts (forcing a lazy unmount when busy) without throwing; safe to call more than once.</summary>
    public void Dispose()
    {
        try
        {
            Dismount(force: true);
        }
        catch (IOException)
        {
            // MountException (not closed in time after a lazy unmount: the thread closes the volume when the last
            // file is released) or a close failure the caller did not ask for through Dismount.
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ContainerPath} at {MountPoint}";

    private void Serve()
    {
        try
        {
            _host.Run(Unlock);
        }
        catch (Exception e)
        {
            // Relayed to Start or Dismount on the caller's thread; an exception escaping a thread would end the process.
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            Unregister(this);
            _ended.Set();
        }
    }

    private MountSource Unlock()
    {
        MountSource source = _unlock();
        VolumeId = source.VolumeId ?? (source.Owner as UnlockedVolume)?.Volume.Id;
        return source;
    }

    private void OnMounted(string mountPoint)
    {
        bool abandoned;
        lock (_gate)
        {
            abandoned = _abandoned;
            if (!abandoned)
            {
                MountedUtc = DateTimeOffset.UtcNow;
                Volatile.Write(ref _isReady, true);
            }
        }
        if (abandoned) _host.TryRequestUnmount(allowLazy: true);
        else _ready.Set();
    }

    private void ThrowFailureOnce()
    {
        if (_failure is not null && Interlocked.Exchange(ref _failureReported, 1) == 0) _failure.Throw();
    }
}
