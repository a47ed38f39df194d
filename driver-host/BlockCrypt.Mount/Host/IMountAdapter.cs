using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan;
using BlockCrypt.Mount.Fuse;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// What <see cref="MountHost"/> needs from a platform adapter (FUSE on Linux, Dokan on Windows): run the mount loop,
/// say when the mount is in place, and unmount on request. The adapters translate; the host owns the life cycle.
/// </summary>
internal interface IMountAdapter
{
    /// <summary>The mount point as the adapter serves it.</summary>
    string MountPoint { get; }

    /// <summary>The shared operations core.</summary>
    MountCore Core { get; }

    /// <summary>Raised once the mount is in place.</summary>
    event Action? Mounted;

    /// <summary>Mounts and serves until unmounted; 0 after a clean unmount.</summary>
    int Run();

    /// <summary>Unmounts; false when the mount point is busy (and not <paramref name="lazy"/>) or not mounted.</summary>
    bool Unmount(bool lazy = false);
}

/// <summary>Chooses the adapter of a platform.</summary>
internal static class MountAdapters
{
    /// <summary>Dokan when <paramref name="windows"/>, FUSE otherwise (a parameter so tests can check both choices).</summary>
    public static IMountAdapter Create(MountCore core, string mountPoint, MountHostOptions options, bool windows) =>
        windows ? new DokanAdapter(new DokanMount(core, mountPoint)) : new FuseAdapter(new FuseMount(core, mountPoint, options.Fuse));

    internal sealed class FuseAdapter(FuseMount mount) : IMountAdapter
    {
        public string MountPoint => mount.MountPoint;

        public MountCore Core => mount.Core;

        public event Action? Mounted
        {
            add => mount.Mounted += value;
            remove => mount.Mounted -= value;
        }

        public int Run() => mount.Run();

        public bool Unmount(bool lazy = false) => mount.Unmount(lazy);
    }

    /// <summary>
    /// Dokan has no lazy unmount and no "busy" refusal: removing the mount point always unmounts, with files still
    /// open (their handles then fail), so <c>lazy</c> changes nothing here.
    /// </summary>
    internal sealed class DokanAdapter(DokanMount mount) : IMountAdapter
    {
        public DokanMount Mount => mount;

        public string MountPoint => mount.MountPoint;

        public MountCore Core => mount.Operations.Core;

        public event Action? Mounted
        {
            add => mount.Mounted += value;
            remove => mount.Mounted -= value;
        }

        public int Run()
        {
            mount.Run();
            return 0;
        }

        public bool Unmount(bool lazy = false) => mount.Unmount();
    }
}
