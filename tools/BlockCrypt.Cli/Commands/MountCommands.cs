using BlockCrypt.Cli.CommandLine;
using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Host;
using BlockCrypt.Volume;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>mount</c> and <c>unmount</c>: the volume's FAT32 served through FUSE (driver-host/BlockCrypt.Mount).</summary>
public sealed class MountCommands : ICommandGroup, IErrorMapper
{
    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "mount", Summary = "unlock a volume and serve its files at a directory (FUSE) or drive letter (Dokan)", Arguments = "CONTAINER MOUNTPOINT",
            MinArguments = 2, Unlocks = true,
            Description = "MOUNTPOINT: on Linux an existing empty directory (served through FUSE); on Windows a free drive letter\n" +
                          "such as X: or an existing empty NTFS folder (served through Dokan 2.x, which must be installed).\n" +
                          "Without --foreground the host detaches once the mount is ready and prints where; 'blockcrypt unmount\n" +
                          "MOUNTPOINT', SIGTERM, SIGINT or SIGHUP (Ctrl-C on Windows) flush everything, mark the FAT clean, unmount\n" +
                          "and zero the keys. A container can be mounted once at a time.",
            Options = [new("read-only", null, "mount read-only (nothing is written to the container)"),
                       new("foreground", null, "stay in the foreground until unmounted")],
            Run = Mount,
        },
        new CliCommand
        {
            Name = "unmount", Summary = "unmount a mounted volume and wait until it is closed", Arguments = "MOUNTPOINT", MinArguments = 1,
            Run = c => MountCommand.Unmount(c.Arg(0), c.Out),
        },
    ];

    private static int Mount(CommandContext c)
    {
        string container = c.Arg(0);
        if (!File.Exists(container)) throw new FileNotFoundException($"'{container}' not found.", container);
        bool readOnly = c.Args.Has("read-only");
        var options = new MountHostOptions { Container = Path.GetFullPath(container), MountPoint = c.Arg(1), ReadOnly = readOnly };
        // The detached child runs this same command line in the foreground.
        string[] childArgs = [.. Environment.GetCommandLineArgs().Skip(1), "--foreground"];
        return MountCommand.Mount(options, c.Args.Has("foreground"), childArgs, () =>
        {
            var (volume, unlocked) = c.OpenUnlocked(options.Container, readOnly);
            return new MountSource(unlocked.Device, new VolumeOwner(unlocked, volume));
        }, c.Out, c.Err);
    }

    /// <inheritdoc/>
    public bool TryMap(Exception exception, out int exitCode, out string message)
    {
        switch (exception)
        {
            case MountException m:
                exitCode = ExitCodes.Mount;
                message = m.Message;
                return true;
            case FileSystemException f:
                exitCode = ExitCodes.Mount;
                message = $"The volume's FAT32 filesystem cannot be mounted ({f.Error}): {f.Message}";
                return true;
            default:
                exitCode = 0;
                message = "";
                return false;
        }
    }

    /// <summary>Disposes the unlocked volume (zeroes the keys) and then the volume (closes the container).</summary>
    private sealed class VolumeOwner(UnlockedVolume unlocked, Volume.Volume volume) : IDisposable
    {
        public void Dispose()
        {
            unlocked.Dispose();
            volume.Dispose();
        }
    }
}
