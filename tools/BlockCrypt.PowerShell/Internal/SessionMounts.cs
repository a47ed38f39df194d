using BlockCrypt.Mount.Host;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>
/// Where volumes are mounted: this process's mounts (driver-host's <see cref="InProcessMount"/> registry) and, for a
/// given container, any live host recorded in the lock directory (a CLI mount, another PowerShell session).
/// </summary>
internal static class SessionMounts
{
    /// <summary>Where <paramref name="containerPath"/> is mounted by this process or any live host, or null.</summary>
    public static string? MountPointOf(string containerPath) =>
        InProcessMount.FindByContainer(containerPath)?.MountPoint ?? MountLock.FindMountOf(containerPath)?.MountPoint;

    /// <summary>Every live mount of this process.</summary>
    public static IReadOnlyList<InProcessMount> All => InProcessMount.Active;
}
