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
    public static string Validate(string mountPoint) =>
        Validate(mountPoint, OperatingSystem.IsWindows(), DriveLetterInUse, IsMounted);

    /// <param name="mountPoint">What the user gave.</param>
    /// <param name="windows">Apply the Windows rules (a parameter so tests on Linux cover them).</param>
    /// <param name="driveInUse">Whether a drive letter ("X:") is taken.</param>
    /// <param name="isMounted">Whether a normalized folder already has a file system mounted on it.</param>
    internal static string Validate(string mountPoint, bool windows, Func<string, bool> driveInUse, Func<string, bool> isMounted)
    {
        if (string.IsNullOrWhiteSpace(mountPoint))
            throw new MountException(MountError.BadMountPoint, "No mount point given.");
        if (windows && DriveLetter(mountPoint) is { } drive)
        {
            if (driveInUse(drive))
                throw new MountException(MountError.BadMountPoint, $"Drive {drive} is already in use; pick a free drive letter.");
            return drive;
        }
        if (!windows && DriveLetter(mountPoint) is not null && !Directory.Exists(mountPoint))
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' is a Windows drive letter; on Linux mount on an empty directory.");
        string full = Normalize(mountPoint, windows);
        if (!Directory.Exists(full))
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' does not exist or is not a directory.");
        if (isMounted(full))
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

    /// <summary>How paths compare on this platform: case-insensitively on Windows.</summary>
    internal static StringComparison PathComparison =>
        OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>True when two normalized mount points name the same place (case-insensitively on Windows).</summary>
    public static bool Same(string a, string b) => string.Equals(a, b, PathComparison);

    /// <summary>"X:" for "x:", "X:\" or "X:/" (a bare drive letter), otherwise null.</summary>
    public static string? DriveLetter(string mountPoint)
    {
        string s = mountPoint.Trim();
        if (s.Length is < 2 or > 3 || !char.IsAsciiLetter(s[0]) || s[1] != ':') return null;
        if (s.Length == 3 && s[2] is not ('\\' or '/')) return null;
        return char.ToUpperInvariant(s[0]) + ":";
    }

    /// <summary>
    /// True when a file system is mounted at <paramref name="mountPoint"/>: the kernel's mount table on Linux; on
    /// Windows a live BlockCrypt host recorded for it (a drive letter merely in use, like C:, is not ours to unmount).
    /// </summary>
    public static bool IsMounted(string mountPoint)
    {
        if (OperatingSystem.IsLinux()) return FuseMount.IsMounted(mountPoint);
        string normalized = Normalize(mountPoint);
        return InProcessMount.FindByMountPoint(normalized) is not null || MountLock.FindHostRecord(normalized) is not null;
    }

    /// <summary>
    /// Whether drive letter "X:" is assigned on this machine, ready or not (an empty card reader or a disconnected
    /// network drive still holds its letter).
    /// </summary>
    private static bool DriveLetterInUse(string drive) =>
        DriveInfo.GetDrives().Any(d => string.Equals(d.Name.TrimEnd('\\', '/'), drive, StringComparison.OrdinalIgnoreCase));

    /// <summary>The platform's driver must be usable: FUSE on Linux (/dev/fuse, libfuse3), Dokan 2.x on Windows.</summary>
    /// <exception cref="MountException"><see cref="MountError.DriverUnavailable"/>.</exception>
    public static void RequireDriver()
    {
        string reason;
        bool ok = OperatingSystem.IsWindows() ? DokanMount.IsSupported(out reason) : FuseMount.IsSupported(out reason);
        if (!ok) throw new MountException(MountError.DriverUnavailable, reason);
    }
}
