using System.Management.Automation;
using BlockCrypt.Mount.Host;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;

namespace BlockCrypt.PowerShell;

/// <summary>
/// Shared by Unlock-BlockCryptVolume and Mount-BlockCryptVolume: check a credential, or mount inside this PowerShell
/// process through driver-host's <see cref="InProcessMount"/> (the CLI's MountHost on a background thread; the mount
/// lasts until Dismount-BlockCryptVolume or until the process exits).
/// </summary>
public abstract class UnlockOrMountCmdlet : UnlockingCmdlet
{
    /// <summary>Longest wait for a mount to come up, unlocking (KDF, TPM) included.</summary>
    private static readonly TimeSpan MountTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Mount read-only (nothing is written to the container).</summary>
    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    /// <summary>Checks the credential (no mount point) or mounts; writes the volume object.</summary>
    protected void UnlockOrMount(string? mountPoint)
    {
        string path = ResolvePath(Path);
        Guard(path, () =>
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' not found.", path);
            using var credentials = BuildCredentials();
            if (mountPoint is null)
            {
                var (volume, unlocked) = OpenUnlocked(path, credentials, readOnly: true);
                using (volume)
                using (unlocked)
                {
                    WriteObject(VolumeView.Create(path, unlocked.GetStatus(), authenticated: true));
                }
                return;
            }
            string target = ResolveMountPoint(mountPoint);
            if (!ShouldProcess(path, $"Mount at {target}{(ReadOnly ? " (read-only)" : "")}")) return;
            VolumeStatus? status = null;
            var options = new MountHostOptions { Container = path, MountPoint = target, ReadOnly = ReadOnly };
            var mount = WithProgress("Mounting " + path, "Unlocking and mounting at " + target, () => InProcessMount.Start(options, () =>
            {
                var (_, unlocked) = Credentials.OpenUnlocked(path, credentials, ReadOnly);
                status = unlocked.GetStatus();
                return MountSource.ForUnlockedVolume(unlocked);
            }, MountTimeout), abandoned => abandoned.Dismount(force: true)); // Ctrl+C: nobody asked for the mount any more
            WriteObject(VolumeView.Create(path, status!, authenticated: true));
            WriteVerbose($"Mounted {path} at {mount.MountPoint}; Dismount-BlockCryptVolume -MountPoint {mount.MountPoint} unmounts it.");
        });
    }
}
