using System.Management.Automation;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Resume-BlockCryptVolume</c>: every suspended TPM protector is resealed to its recorded PCR set at the current
/// PCR values; ProtectionStatus becomes 'On'.
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class ResumeBlockCryptVolumeCommand : TpmProtectionCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord() => SetSuspended(suspend: false);
}
