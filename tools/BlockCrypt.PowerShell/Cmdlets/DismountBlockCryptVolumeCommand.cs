using System.Management.Automation;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Host;
using BlockCrypt.PowerShell.Internal;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Dismount-BlockCryptVolume</c>: flushes and unmounts a volume mounted by this session or by the CLI (through the
/// library's unmount, which waits until the volume is closed and its keys zeroed).
/// </summary>
[Cmdlet(VerbsData.Dismount, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = MountPointSet)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class DismountBlockCryptVolumeCommand : BlockCryptCmdlet
{
    private const string MountPointSet = "MountPoint", PathSet = "Path";

    /// <summary>The mount point.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = MountPointSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string MountPoint { get; set; } = null!;

    /// <summary>The container file of a mounted volume.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Detach a busy mount point lazily (the volume closes when its last user lets go).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the volume object after dismounting.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string target = ParameterSetName == PathSet ? ResolvePath(Path) : ResolveMountPoint(MountPoint);
        Guard(target, () =>
        {
            string? container = null;
            string mountPoint;
            if (ParameterSetName == PathSet)
            {
                container = target;
                mountPoint = SessionMounts.MountPointOf(target)
                    ?? throw new MountException(MountError.NotMounted, $"'{target}' is not mounted.");
            }
            else
            {
                mountPoint = target;
                container = InProcessMount.FindByMountPoint(target)?.ContainerPath;
            }
            if (!ShouldProcess(mountPoint, "Dismount" + (container is null ? "" : " " + container))) return;
            if (Force && InProcessMount.FindByMountPoint(mountPoint) is { } own)
                WithProgress("Dismounting " + mountPoint, "Flushing and closing the volume", () => own.Dismount(force: true));
            else
                WithProgress("Dismounting " + mountPoint, "Flushing and closing the volume", () => MountHost.Unmount(mountPoint));
            if (PassThru && container is not null)
            {
                using var volume = Volume.Volume.Open(container, readOnly: true);
                WriteObject(VolumeView.Create(container, volume.GetStatus(), authenticated: false));
            }
        });
    }
}
