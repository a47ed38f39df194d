using System.Management.Automation;
using System.Security;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Add-BlockCryptKeyProtector</c>: unlocks with the unlock parameters, then adds one protector (the CLI's
/// <c>protector add</c>). The unlock parameters are declared here again because the new-protector sets come from
/// <see cref="NewProtectorCmdlet"/>; <see cref="UnlockingCmdlet"/> documents them.
/// </summary>
[Cmdlet(VerbsCommon.Add, "BlockCryptKeyProtector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockCryptKeyProtector))]
public sealed class AddBlockCryptKeyProtectorCommand : NewProtectorCmdlet, IUnlockParameters
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Passphrase(s) of Password protectors.</summary>
    [Parameter]
    public SecureString[]? UnlockPassword { get; set; }

    /// <summary>48-digit recovery password(s).</summary>
    [Parameter]
    public SecureString[]? UnlockRecoveryPassword { get; set; }

    /// <summary>Startup key file(s).</summary>
    [Parameter]
    public string[]? UnlockStartupKeyPath { get; set; }

    /// <summary>Try the TPM protectors.</summary>
    [Parameter]
    public SwitchParameter UnlockWithTpm { get; set; }

    /// <summary>PIN of a TpmPin protector.</summary>
    [Parameter]
    public SecureString? UnlockPin { get; set; }

    /// <summary>PKCS#11 module of a CustomerKey protector's HSM.</summary>
    [Parameter]
    public string? UnlockPkcs11Module { get; set; }

    /// <summary>Only CustomerKey protectors on this token are tried.</summary>
    [Parameter]
    public string? UnlockTokenLabel { get; set; }

    /// <summary>Only CustomerKey protectors using this key are tried.</summary>
    [Parameter]
    public string? UnlockKeyLabel { get; set; }

    /// <summary>The HSM user PIN.</summary>
    [Parameter]
    public SecureString? UnlockPkcs11Pin { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        Guard(path, () =>
        {
            CheckStartupKeyPath();
            if (!ShouldProcess(path, "Add a " + NewProtectorDescription)) return;
            using var credentials = Credentials.Build(this, ResolvePath);
            var (volume, unlocked) = OpenUnlocked(path, credentials);
            using (volume)
            using (unlocked)
            {
                using var prepared = PrepareProtector();
                ProtectorAddResult result;
                try
                {
                    result = WithProgress("Add-BlockCryptKeyProtector " + path, "Creating the key protector (KDF / TPM)",
                        () => unlocked.AddProtector(prepared.Request), abandoned => abandoned.Dispose());
                }
                catch
                {
                    prepared.Undo();
                    throw;
                }
                using (result)
                {
                    var status = unlocked.GetStatus();
                    var info = status.Protectors.First(p => p.Id == result.Id);
                    if (result.RecoveryPassword is not null) WriteWarning(RecoveryNotice);
                    WriteCreated(VolumeView.Protector(path, status.VolumeId, info, result.RecoveryPassword), result.RecoveryPassword is not null);
                }
            }
        });
    }
}
