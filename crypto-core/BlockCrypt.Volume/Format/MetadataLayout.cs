namespace BlockCrypt.Volume.Format;

/// <summary>Fixed positions and sizes of the on-disk format, version 1 (docs/format.md §2).</summary>
public static class MetadataLayout
{
    /// <summary>Format version written by this build.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>"BLKCRYPT" in ASCII.</summary>
    public static ReadOnlySpan<byte> Magic => "BLKCRYPT"u8;

    /// <summary>Number of metadata copies.</summary>
    public const int CopyCount = 3;

    /// <summary>Size of each copy's region.</summary>
    public const int CopyRegionSize = 256 * 1024;

    /// <summary>Offsets of the copies: 0, 256 KiB, 512 KiB (768 KiB..1 MiB is reserved, zero).</summary>
    public static long CopyOffset(int index) => (long)index * CopyRegionSize;

    /// <summary>Start of the data area: 1 MiB (aligned for every sector size and common erase blocks).</summary>
    public const long DataOffset = 1024 * 1024;

    /// <summary>Granularity of metadata I/O: the copies are written in whole 512-byte sectors.</summary>
    public const int IoSectorSize = 512;

    /// <summary>Fixed header length.</summary>
    public const int HeaderLength = 64;

    /// <summary>HMAC-SHA256 tag and SHA-256 checksum lengths.</summary>
    public const int MacLength = 32, ChecksumLength = 32;

    /// <summary>Most protectors per volume.</summary>
    public const int MaxProtectors = 64;

    /// <summary>Field offsets in the header.</summary>
    public const int OffMagic = 0, OffVersion = 8, OffHeaderLength = 10, OffCopyLength = 12, OffSequence = 16, OffVolumeId = 24, OffReserved = 40;
}
