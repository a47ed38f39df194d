using System.Management.Automation;
using BlockCrypt.Volume;
using BlockCrypt.Volume.CustomerKey;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>
/// Builds <see cref="UnlockCredentials"/> from the unlock parameters, as the CLI's unlock options do
/// (tools/BlockCrypt.Cli/CommandLine/UnlockOptions.cs, TpmUnlockOptions, Pkcs11UnlockOptions): every secret given is
/// offered; with no credential at all (or -UnlockWithTpm / -UnlockPin) TPM protectors are tried.
/// </summary>
internal static class Credentials
{
    /// <summary>True when any unlock parameter was given.</summary>
    public static bool AnyGiven(IUnlockParameters p) =>
        p.UnlockPassword is { Length: > 0 } || p.UnlockRecoveryPassword is { Length: > 0 } || p.UnlockStartupKeyPath is { Length: > 0 }
        || p.UnlockWithTpm.IsPresent || p.UnlockPin is not null || p.UnlockPkcs11Module is not null;

    /// <summary>The credentials; <paramref name="resolvePath"/> turns PowerShell paths into file-system paths. Dispose them.</summary>
    public static UnlockCredentials Build(IUnlockParameters p, Func<string, string> resolvePath)
    {
        var credentials = new UnlockCredentials();
        try
        {
            foreach (var password in p.UnlockPassword ?? [])
            {
                using var bytes = SecretText.ToUtf8(password);
                credentials.AddPassphrase(bytes.Span);
            }
            foreach (var recovery in p.UnlockRecoveryPassword ?? [])
                SecretText.UseAsString(recovery, text => credentials.AddRecoveryPassword(text));
            foreach (string file in p.UnlockStartupKeyPath ?? [])
                credentials.AddKeyFileFrom(resolvePath(file));
            if (p.UnlockPkcs11Module is not null)
            {
                if (p.UnlockPkcs11Pin is null)
                    throw new BlockCryptCmdletException("Pkcs11PinRequired", ErrorCategory.InvalidArgument, "-UnlockPkcs11Module needs -UnlockPkcs11Pin.");
                using var pin = SecretText.ToUtf8(p.UnlockPkcs11Pin);
                credentials.Set(new Pkcs11Credential(p.UnlockPkcs11Module, pin.Span)
                {
                    TokenLabel = p.UnlockTokenLabel,
                    KeyLabel = p.UnlockKeyLabel,
                });
            }
            if (p.UnlockWithTpm.IsPresent || p.UnlockPin is not null || credentials.IsEmpty)
            {
                using var pin = p.UnlockPin is null ? null : SecretText.ToUtf8(p.UnlockPin);
                credentials.Set(new TpmCredential(p.TpmDevice, pin is null ? default : pin.Span));
            }
            return credentials;
        }
        catch
        {
            credentials.Dispose();
            throw;
        }
    }

    /// <summary>Closes what <see cref="OpenUnlocked"/> returned (keys zeroed), when nobody will use it.</summary>
    public static void Close((Volume.Volume Volume, UnlockedVolume Unlocked) opened)
    {
        opened.Unlocked.Dispose();
        opened.Volume.Dispose();
    }

    /// <summary>
    /// Opens <paramref name="path"/> and unlocks it. Dispose the unlocked volume, then the volume.
    /// </summary>
    public static (Volume.Volume Volume, UnlockedVolume Unlocked) OpenUnlocked(string path, UnlockCredentials credentials, bool readOnly)
    {
        var volume = Volume.Volume.Open(path, readOnly);
        try
        {
            return (volume, volume.Unlock(credentials));
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }
}
