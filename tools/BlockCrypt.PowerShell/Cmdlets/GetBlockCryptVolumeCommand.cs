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
    /// <summary>Container file(s); wildcards (*.bcv) are expanded to the existing files they match.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = Path is null ? SessionMounts.All.Select(m => m.ContainerPath) : Path.SelectMany(Expand);
        foreach (string path in paths)
        {
            Guard(path, () =>
            {
                using var volume = Volume.Volume.Open(path, readOnly: true);
                WriteObject(VolumeView.Create(path, volume.GetStatus(), authenticated: false));
            });
        }
    }

    /// <summary>The file-system paths of <paramref name="path"/>: itself, or the files its wildcards match (sorted).</summary>
    private IEnumerable<string> Expand(string path)
    {
        string literal = ResolvePath(path);
        if (!WildcardPattern.ContainsWildcardCharacters(path) || File.Exists(literal)) return [literal]; // e.g. 'vol[1].bcv'
        try
        {
            var matches = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            var files = provider.Name == "FileSystem" ? matches.Where(File.Exists).Order(StringComparer.Ordinal).ToList() : [];
            if (files.Count > 0) return files;
        }
        catch (ItemNotFoundException)
        {
            // Reported below like any path matching nothing.
        }
        WriteError(new ErrorRecord(new FileNotFoundException($"No file matches '{path}'.", path), "BlockCrypt.FileNotFound",
            ErrorCategory.ObjectNotFound, path));
        return [];
    }
}
