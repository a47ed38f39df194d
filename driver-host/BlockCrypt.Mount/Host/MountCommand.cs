using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Core;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// The behaviour behind <c>blockcrypt mount</c> and <c>blockcrypt unmount</c>, apart from argument parsing and
/// unlocking (which the CLI owns): checks, detaching, messages and exit codes. Every failure is one line on
/// <see cref="MountException"/> / <see cref="FileSystemException"/> (for the CLI to map to one line and an exit
/// code), except in a detaching parent, which relays the child's error lines and exit code.
/// </summary>
public static class MountCommand
{
    /// <summary>
    /// Mounts. Without <paramref name="foreground"/>, re-launches this program with <paramref name="childArguments"/>
    /// (the original arguments plus --foreground) and returns once the child reports the mount ready.
    /// </summary>
    public static int Mount(MountHostOptions options, bool foreground, IReadOnlyList<string> childArguments,
        Func<MountSource> unlock, TextWriter output, TextWriter error)
    {
        {
            if (!foreground && !DetachedLauncher.IsChild)
            {
                // Fail fast in the parent on what needs no credential, so errors come back without a child.
                MountPointCheck.Validate(options.MountPoint);
                MountPointCheck.RequireDriver();
                using (MountLock.Acquire(options.Container)) { }
                (int code, int pid) = DetachedLauncher.Launch(childArguments, error, TimeSpan.FromMinutes(5));
                if (code == 0)
                    output.WriteLine($"Mounted {options.Container} at {MountPointCheck.Normalize(options.MountPoint)} (host pid {pid}); unmount with: blockcrypt unmount {options.MountPoint}");
                return code;
            }
            var host = new MountHost(options);
            host.Mounted += mountPoint =>
            {
                if (DetachedLauncher.IsChild) DetachedLauncher.NotifyReady(mountPoint);
                else output.WriteLine($"Mounted {options.Container} at {mountPoint}; Ctrl-C or 'blockcrypt unmount {mountPoint}' unmounts.");
            };
            int result = host.Run(unlock);
            if (!DetachedLauncher.IsChild) output.WriteLine($"Unmounted {options.MountPoint}.");
            return result;
        }
    }

    /// <summary>Unmounts and waits for the host to close the volume.</summary>
    public static int Unmount(string mountPoint, TextWriter output)
    {
        MountHost.Unmount(mountPoint);
        output.WriteLine($"Unmounted {mountPoint}.");
        return 0;
    }
}
