using BlockCrypt.Mount.Host;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>The mounts this PowerShell process serves (driver-host's <see cref="InProcessMount"/> registry).</summary>
internal static class SessionMounts
{
    /// <summary>Where <paramref name="containerPath"/> is mounted by this process, or null.</summary>
    public static string? MountPointOf(string containerPath) => InProcessMount.FindByContainer(containerPath)?.MountPoint;

    /// <summary>Every live in-process mount.</summary>
    public static IReadOnlyList<InProcessMount> All => InProcessMount.Active;
}
