using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse;

namespace BlockCrypt.Mount.Host;

/// <summary>Checks made before anything is unlocked or mounted, each failing with a one-line message.</summary>
public static class MountPointCheck
{
    /// <summary>The mount point must be an existing, empty directory that nothing is mounted on.</summary>
    /// <exception cref="MountException"><see cref="MountError.BadMountPoint"/>.</exception>
    public static string Validate(string mountPoint)
    {
        string full = Path.GetFullPath(mountPoint).TrimEnd('/');
        if (full.Length == 0) full = "/";
        if (!Directory.Exists(full))
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' does not exist or is not a directory.");
        if (OperatingSystem.IsLinux() && FuseMount.IsMounted(full))
            throw new MountException(MountError.BadMountPoint, $"Something is already mounted on '{mountPoint}'.");
        if (Directory.EnumerateFileSystemEntries(full).Any())
            throw new MountException(MountError.BadMountPoint, $"Mount point '{mountPoint}' is not empty.");
        return full;
    }

    /// <summary>FUSE must be usable (Linux, /dev/fuse, libfuse3).</summary>
    /// <exception cref="MountException"><see cref="MountError.DriverUnavailable"/>.</exception>
    public static void RequireFuse()
    {
        if (!FuseMount.IsSupported(out string reason)) throw new MountException(MountError.DriverUnavailable, reason);
    }
}
