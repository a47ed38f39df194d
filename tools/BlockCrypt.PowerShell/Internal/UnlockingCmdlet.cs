using System.Management.Automation;
using System.Security;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;

namespace BlockCrypt.PowerShell;

/// <summary>Base of the cmdlets that need the volume master key: the unlock credential parameters and -TpmDevice.</summary>
public abstract class UnlockingCmdlet : BlockCryptCmdlet, IUnlockParameters
{
    /// <summary>Passphrase(s) of Password protectors.</summary>
    [Parameter]
    public SecureString[]? UnlockPassword { get; set; }

    /// <summary>48-digit recovery password(s).</summary>
    [Parameter]
    public SecureString[]? UnlockRecoveryPassword { get; set; }

    /// <summary>Startup key file(s).</summary>
    [Parameter]
    public string[]? UnlockStartupKeyPath { get; set; }

    /// <summary>Try the TPM protectors (also done when no other credential is given).</summary>
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

    /// <summary>The TPM: swtpm:HOST:PORT, /dev/tpmrm0 or tbs (default: $env:BLOCKCRYPT_TPM, then the platform's).</summary>
    [Parameter]
    public string? TpmDevice { get; set; }

    /// <summary>The credentials from the unlock parameters (dispose them).</summary>
    protected UnlockCredentials BuildCredentials() => Credentials.Build(this, ResolvePath);
}
