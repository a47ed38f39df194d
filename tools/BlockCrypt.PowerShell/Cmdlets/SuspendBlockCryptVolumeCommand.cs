using System.Management.Automation;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Suspend-BlockCryptVolume</c>: TPM protectors stop depending on PCR values (resealed with no PCR policy, the
/// intended PCR set recorded) so an intended firmware or boot-chain change does not lock the volume; ProtectionStatus
/// becomes 'Suspended' until Resume-BlockCryptVolume.
/// </summary>
[Cmdlet(VerbsLifecycle.Suspend, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class SuspendBlockCryptVolumeCommand : TpmProtectionCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord() => SetSuspended(suspend: true);
}
