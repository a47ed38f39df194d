using System.Management.Automation;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.PowerShell;

/// <summary>
/// Shared by Suspend-BlockCryptVolume and Resume-BlockCryptVolume: unlock with the unlock parameters, then reseal every
/// TPM protector through the volume library (<see cref="UnlockedVolume.SuspendTpmProtection"/> /
/// <see cref="UnlockedVolume.ResumeTpmProtection"/>) with the TPM of -TpmDevice and the PIN of -UnlockPin.
/// </summary>
public abstract class TpmProtectionCmdlet : UnlockingCmdlet
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Test knob: Argon2id memory in KiB for a PIN protector resealed with a fresh key.</summary>
    [Parameter(DontShow = true)]
    [ValidateRange(1, int.MaxValue)]
    public int? KdfMemoryKiB { get; set; }

    /// <summary>Test knob: Argon2id passes for a PIN protector resealed with a fresh key.</summary>
    [Parameter(DontShow = true)]
    [ValidateRange(1, int.MaxValue)]
    public int? KdfIterations { get; set; }

    /// <summary>Suspends (true) or resumes (false).</summary>
    private protected void SetSuspended(bool suspend)
    {
        string path = ResolvePath(Path);
        string verb = suspend ? "Suspend" : "Resume";
        Guard(path, () =>
        {
            using (var locked = Volume.Volume.Open(path, readOnly: true))
            {
                var tpm = locked.GetStatus().Protectors.Where(p => p.Kind == ProtectorKind.Tpm).ToList();
                if (tpm.Count == 0)
                    throw new BlockCryptCmdletException("NoTpmProtector", ErrorCategory.ObjectNotFound, $"'{path}' has no TPM protector to {verb.ToLowerInvariant()}.");
                string what = suspend
                    ? $"Suspend TPM protection: reseal {tpm.Count} TPM protector(s) without a PCR policy, recording PCRs {string.Join(",", tpm[0].Pcrs)}"
                    : $"Resume TPM protection: reseal {tpm.Count} TPM protector(s) to their recorded PCRs at the current values";
                if (!ShouldProcess(path, what)) return;
            }
            using var credentials = BuildCredentials();
            var (volume, unlocked) = OpenUnlocked(path, credentials);
            using (volume)
            using (unlocked)
            {
                using var pin = UnlockPin is null ? null : SecretText.ToUtf8(UnlockPin);
                using var tpm = new TpmCredential(TpmDevice, pin is null ? default : pin.Span);
                var kdf = new KdfOptions
                {
                    MemoryKiB = KdfMemoryKiB, ForceIterations = KdfIterations,
                    Lanes = KdfMemoryKiB is int m && m < 64 * 1024 ? 1 : KdfOptions.DefaultLanes,
                };
                var changed = WithProgress($"{verb}-BlockCryptVolume {path}", "Resealing the TPM protectors", () =>
                    suspend ? unlocked.SuspendTpmProtection(tpm, kdf) : unlocked.ResumeTpmProtection(tpm, kdf));
                if (changed.Count == 0) WriteVerbose($"Nothing to do: TPM protection of {path} is already {(suspend ? "suspended" : "on")}.");
                WriteObject(VolumeView.Create(path, unlocked.GetStatus(), authenticated: true));
            }
        });
    }
}
