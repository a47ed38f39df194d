using System.Management.Automation;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary><c>Mount-BlockCryptVolume</c>: unlocks and serves the volume's FAT32 files at a directory (FUSE), in this process.</summary>
[Cmdlet(VerbsData.Mount, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class MountBlockCryptVolumeCommand : UnlockOrMountCmdlet
{
    /// <summary>An existing empty directory to mount at.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string MountPoint { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessRecord() => UnlockOrMount(MountPoint);
}
