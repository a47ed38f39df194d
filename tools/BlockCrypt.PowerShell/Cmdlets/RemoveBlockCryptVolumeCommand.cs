using System.Management.Automation;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Host;
using BlockCrypt.PowerShell.Internal;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Remove-BlockCryptVolume</c>: crypto-erase (the CLI's <c>erase</c>): every metadata copy is overwritten, so no
/// credential opens the volume again; with -DeleteFile the container file is deleted too. A mounted volume is refused.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveBlockCryptVolumeCommand : BlockCryptCmdlet
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Also delete the container file after erasing.</summary>
    [Parameter]
    public SwitchParameter DeleteFile { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        Guard(path, () =>
        {
            // Read-only for the question: -WhatIf needs no write access and opens nothing for writing.
            using (var probe = Volume.Volume.Open(path, readOnly: true))
            {
                string what = $"Crypto-erase volume {probe.Id} (destroy every metadata copy; nothing opens it again)" +
                              (DeleteFile ? " and delete the file" : "");
                if (!ShouldProcess(path, what)) return;
            }
            using var volume = Volume.Volume.Open(path);
            MountLock mountLock;
            try
            {
                // Held while erasing: no mount (this session's, the CLI's) can start meanwhile.
                mountLock = MountLock.Acquire(path);
            }
            catch (MountException e) when (e.Error == MountError.AlreadyMounted)
            {
                throw new BlockCryptCmdletException("VolumeMounted", ErrorCategory.ResourceBusy, $"'{path}' is mounted; dismount it first.");
            }
            using (mountLock)
            {
                volume.Erase();
            }
            volume.Dispose();
            if (DeleteFile) File.Delete(path);
            WriteVerbose($"Erased volume {volume.Id} in {path}.");
        });
    }
}
