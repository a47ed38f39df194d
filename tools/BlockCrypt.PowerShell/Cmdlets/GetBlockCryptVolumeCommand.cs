using System.Management.Automation;
using BlockCrypt.PowerShell.Internal;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Get-BlockCryptVolume</c>: volume objects read from the metadata without any credential (not authenticated), or,
/// without -Path, the volumes this PowerShell session has mounted.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BlockCryptVolume")]
[OutputType(typeof(BlockCryptVolume))]
public sealed class GetBlockCryptVolumeCommand : BlockCryptCmdlet
{
    /// <summary>Container file(s); wildcards are not expanded.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = Path is null ? SessionMounts.All.Select(m => m.ContainerPath) : Path.Select(ResolvePath);
        foreach (string path in paths)
        {
            Guard(path, () =>
            {
                using var volume = Volume.Volume.Open(path, readOnly: true);
                WriteObject(VolumeView.Create(path, volume.GetStatus(), authenticated: false));
            });
        }
    }
}
