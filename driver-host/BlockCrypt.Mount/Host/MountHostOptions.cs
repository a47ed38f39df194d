using BlockCrypt.Mount.Fuse;

namespace BlockCrypt.Mount.Host;

/// <summary>What <see cref="MountHost.Run"/> mounts and how.</summary>
public sealed record MountHostOptions
{
    /// <summary>The container file (used for the single-mount lock and messages).</summary>
    public required string Container { get; init; }

    /// <summary>The directory to mount on (must exist and be empty).</summary>
    public required string MountPoint { get; init; }

    /// <summary>Mount read-only (nothing is written to the container, the FAT dirty bit included).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>FUSE tuning.</summary>
    public FuseMountOptions Fuse { get; init; } = new();
}
