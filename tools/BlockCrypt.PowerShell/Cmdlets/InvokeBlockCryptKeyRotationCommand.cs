using System.Management.Automation;
using BlockCrypt.PowerShell.Internal;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Invoke-BlockCryptKeyRotation</c>: a new volume master key; the volume key and every protector are re-wrapped
/// (data is not re-encrypted). The secret of EVERY protector must be given, else nothing changes (BlockCrypt.SecretMissing).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BlockCryptKeyRotation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class InvokeBlockCryptKeyRotationCommand : UnlockingCmdlet
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        Guard(path, () =>
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' not found.", path);
            if (!ShouldProcess(path, "Rotate the volume master key (re-wrap the volume key and every protector)")) return;
            using var credentials = BuildCredentials();
            var (volume, unlocked) = OpenUnlocked(path, credentials);
            using (volume)
            using (unlocked)
            {
                WithProgress("Invoke-BlockCryptKeyRotation " + path, "Re-wrapping every protector (KDF / TPM)", () => unlocked.Rotate(credentials));
                WriteObject(VolumeView.Create(path, unlocked.GetStatus(), authenticated: true));
            }
        });
    }
}
