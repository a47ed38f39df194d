using System.Management.Automation;
using System.Security;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>The unlock credential parameters shared by every cmdlet that needs the volume master key.</summary>
internal interface IUnlockParameters
{
    SecureString[]? UnlockPassword { get; }
    SecureString[]? UnlockRecoveryPassword { get; }
    string[]? UnlockStartupKeyPath { get; }
    SwitchParameter UnlockWithTpm { get; }
    SecureString? UnlockPin { get; }
    string? UnlockPkcs11Module { get; }
    string? UnlockTokenLabel { get; }
    string? UnlockKeyLabel { get; }
    SecureString? UnlockPkcs11Pin { get; }
    string? TpmDevice { get; }
}
