using System.Management.Automation;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Remove-BlockCryptKeyProtector</c>: unlocks (with any protector, the one being removed included) and removes a
/// protector; the last one is refused (ErrorId BlockCrypt.LastProtector).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BlockCryptKeyProtector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class RemoveBlockCryptKeyProtectorCommand : UnlockingCmdlet
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>The protector to remove.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public Guid KeyProtectorId { get; set; }

    /// <summary>Return the volume object afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        Guard(path, () =>
        {
            // Cheap checks first (no credential needed), so -WhatIf and mistakes cost no KDF.
            using (var locked = Volume.Volume.Open(path, readOnly: true))
            {
                var status = locked.GetStatus();
                var info = status.Protectors.FirstOrDefault(p => p.Id == KeyProtectorId)
                    ?? throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No protector {KeyProtectorId} on this volume.");
                if (status.Protectors.Count == 1)
                    throw new VolumeException(VolumeErrorCode.LastProtector, "Refusing to remove the last protector: the volume could never be opened again.");
                if (!ShouldProcess(path, $"Remove {VolumeView.TypeName(info)} protector {KeyProtectorId}")) return;
            }
            using var credentials = BuildCredentials();
            var (volume, unlocked) = OpenUnlocked(path, credentials);
            using (volume)
            using (unlocked)
            {
                unlocked.RemoveProtector(KeyProtectorId);
                if (PassThru) WriteObject(VolumeView.Create(path, unlocked.GetStatus(), authenticated: true));
            }
        });
    }
}
