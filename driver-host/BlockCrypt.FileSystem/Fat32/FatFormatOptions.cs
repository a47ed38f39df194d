namespace BlockCrypt.FileSystem.Fat32;

/// <summary>Options for <see cref="FatFileSystem.Format"/>.</summary>
public sealed class FatFormatOptions
{
    /// <summary>
    /// Volume label: up to 11 characters valid in a short name (letters are stored upper-case, as
    /// Windows and mkfs.fat do). Null or empty means no label ("NO NAME" in the boot sector).
    /// </summary>
    public string? Label { get; init; }

    /// <summary>Volume serial number; null picks a random one.</summary>
    public uint? SerialNumber { get; init; }

    /// <summary>
    /// Cluster size in bytes (a power of two, at least the device's sector size, at most 65536); null picks
    /// it from the size as mkfs.fat / the FAT spec table do (512 B below 260 MiB, 4 KiB to 8 GiB, 8 KiB to 16 GiB,
    /// 16 KiB to 32 GiB, 32 KiB above), shrinking it when that would give fewer than 65,525 clusters.
    /// </summary>
    public int? ClusterSize { get; init; }
}
