using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan;
using BlockCrypt.Mount.Fuse;

namespace BlockCrypt.Mount.Host;

/// <summary>Checks made before anything is unlocked or mounted, each failing with a one-line message.</summary>
public static class MountPointCheck
{
    /// <summary>
    /// Linux: the mount point must be an existing, empty directory that nothing is mounted on. Windows: a free drive
    /// letter ("X:") or an existing, empty folder. Returns the normalized mount point (see <see cref="Normalize(string)"/>).
    /// </summary>
    /// <exception cref="MountException"><see cref="MountError.BadMountPoint"/>.</exception>
    public static string Validate(string mountPoint) => Validate(mountPoint, OperatingSystem.IsWindows());

    internal static string Validate(string mountPoint, bool windows)
    {
        if (string.IsNullOrWhiteSpace(mountPoint))
            throw new MountException(MountError.BadMountPoint, "No mount point given.");
        if (windows && DriveLetter(mountPoint) is { } drive)
        {
            if (Directory.Exists(drive + "\\"))
                throw new MountException(MountError.BadMountPoint, $"Drive {drive} is already in use; pick a free drive letter.");
            return drive;
        }
        if (!windows && DriveLetter(mountPoint) is not null && !Directory.Exists(mountPoint))
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' is a Windows drive letter; on Linux mount on an empty directory.");
        string full = Normalize(mountPoint, windows);
        if (!Directory.Exists(full))
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' does not exist or is not a directory.");
        if (IsMounted(full))
            throw new MountException(MountError.BadMountPoint, $"Something is already mounted on '{mountPoint}'.");
        if (Directory.EnumerateFileSystemEntries(full).Any())
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' is not empty.");
        return full;
    }

    /// <summary>
    /// The form mount points are recorded and compared in: "X:" for a Windows drive letter, otherwise the absolute
    /// path without a trailing separator.
    /// </summary>
    public static string Normalize(string mountPoint) => Normalize(mountPoint, OperatingSystem.IsWindows());

    internal static string Normalize(string mountPoint, bool windows)
    {
        if (windows && DriveLetter(mountPoint) is { } drive) return drive;
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        return full.Length == 0 ? "/" : full;
    }

    /// <summary>"X:" for "x:", "X:\" or "X:/" (a bare drive letter), otherwise null.</summary>
    internal static string? DriveLetter(string mountPoint)
    {
        string s = mountPoint.Trim();
        if (s.Length is < 2 or > 3 || !char.IsAsciiLetter(s[0]) || s[1] != ':') return null;
        if (s.Length == 3 && s[2] is not ('\\' or '/')) return null;
        return char.ToUpperInvariant(s[0]) + ":";
    }

    /// <summary>
    /// True when a BlockCrypt (or other) file system is mounted at <paramref name="mountPoint"/>: the kernel's mount
    /// table on Linux; on Windows the drive letter in use or a live host recorded for the folder.
    /// </summary>
    public static bool IsMounted(string mountPoint)
    {
        if (OperatingSystem.IsLinux()) return FuseMount.IsMounted(mountPoint);
        string normalized = Normalize(mountPoint);
        if (DriveLetter(normalized) is { } drive && Directory.Exists(drive + "\\")) return true;
        return MountLock.FindHostRecord(normalized) is not null;
    }

    /// <summary>The platform's driver must be usable: FUSE on Linux (/dev/fuse, libfuse3), Dokan 2.x on Windows.</summary>
    /// <exception cref="MountException"><see cref="MountError.DriverUnavailable"/>.</exception>
    public static void RequireDriver()
    {
        string reason;
        bool ok = OperatingSystem.IsWindows() ? DokanMount.IsSupported(out reason) : FuseMount.IsSupported(out reason);
        if (!ok) throw new MountException(MountError.DriverUnavailable, reason);
    }
}
