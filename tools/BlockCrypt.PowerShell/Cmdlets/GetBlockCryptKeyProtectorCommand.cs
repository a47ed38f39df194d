using System.Management.Automation;
using BlockCrypt.PowerShell.Internal;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary><c>Get-BlockCryptKeyProtector</c>: the protectors of a volume (no credential needed, no secrets shown).</summary>
[Cmdlet(VerbsCommon.Get, "BlockCryptKeyProtector")]
[OutputType(typeof(BlockCryptKeyProtector))]
public sealed class GetBlockCryptKeyProtectorCommand : BlockCryptCmdlet
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Only protectors of this type.</summary>
    [Parameter]
    [ValidateSet("Tpm", "TpmPin", "Password", "RecoveryPassword", "StartupKey", "CustomerKey")]
    public string? KeyProtectorType { get; set; }

    /// <summary>Only the protector with this id.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Guid? KeyProtectorId { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        Guard(path, () =>
        {
            using var volume = Volume.Volume.Open(path, readOnly: true);
            var status = volume.GetStatus();
            foreach (var p in status.Protectors)
            {
                var protector = VolumeView.Protector(path, status.VolumeId, p);
                if (KeyProtectorType is not null && !protector.KeyProtectorType.Equals(KeyProtectorType, StringComparison.OrdinalIgnoreCase)) continue;
                if (KeyProtectorId is Guid id && protector.KeyProtectorId != id) continue;
                WriteObject(protector);
            }
        });
    }
}
