using System.Management.Automation;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Unlock-BlockCryptVolume</c>: without -MountPoint, checks that the credentials open the volume (LockStatus stays
/// 'Locked'); with -MountPoint, unlocks and mounts it like Mount-BlockCryptVolume.
/// </summary>
[Cmdlet(VerbsCommon.Unlock, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class UnlockBlockCryptVolumeCommand : UnlockOrMountCmdlet
{
    /// <summary>An existing empty directory to mount the volume's files at (optional).</summary>
    [Parameter(Position = 1)]
    public string? MountPoint { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord() => UnlockOrMount(MountPoint);
}
