namespace BlockCrypt.PowerShell;

/// <summary>A BlockCrypt volume as the cmdlets put it on the pipeline (like BitLocker's <c>BitLockerVolume</c>).</summary>
public sealed class BlockCryptVolume
{
    /// <summary>Absolute path of the container file or device.</summary>
    public string Path { get; init; } = "";

    /// <summary>The volume id.</summary>
    public Guid VolumeId { get; init; }

    /// <summary>Size of the data area in bytes.</summary>
    public long CapacityBytes { get; init; }

    /// <summary>Size of the data area in GiB (two decimals), for display.</summary>
    public double CapacityGB => Math.Round(CapacityBytes / (double)(1L << 30), 2);

    /// <summary>Data sector size: 512 or 4096.</summary>
    public int SectorSize { get; init; }

    /// <summary>Data cipher: 'AES-256-XTS' or 'AES-128-XTS'.</summary>
    public string Cipher { get; init; } = "";

    /// <summary>How many of the 3 metadata copies are valid and current.</summary>
    public int MetadataCopiesValid { get; init; }

    /// <summary>The key protectors.</summary>
    public BlockCryptKeyProtector[] KeyProtector { get; init; } = [];

    /// <summary>'On', or 'Suspended' while TPM protectors do not depend on PCR values.</summary>
    public string ProtectionStatus { get; init; } = "On";

    /// <summary>Where the volume is mounted, or null.</summary>
    public string? MountPoint { get; init; }

    /// <summary>'Mounted' or 'Locked'.</summary>
    public string LockStatus { get; init; } = "Locked";

    /// <summary>True when the metadata shown was authenticated with the volume key (a credential was given).</summary>
    public bool MetadataAuthenticated { get; init; }

    /// <summary>When the volume was created (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Path;
}
