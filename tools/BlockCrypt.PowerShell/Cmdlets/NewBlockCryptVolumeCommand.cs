using System.Management.Automation;
using BlockCrypt.FileSystem;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Format;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>New-BlockCryptVolume</c>: creates a container file (sparse) with one protector and, by default, a FAT32
/// filesystem in its data area (the CLI's <c>format</c>, tools/BlockCrypt.Cli/Commands/FormatCommands.cs).
/// </summary>
[Cmdlet(VerbsCommon.New, "BlockCryptVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockCryptVolume))]
public sealed class NewBlockCryptVolumeCommand : NewProtectorCmdlet
{
    /// <summary>The container file to create (must not exist).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Data area size: bytes (512MB) or text (512MiB, 1GiB).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Size { get; set; } = null!;

    /// <summary>Data sector size.</summary>
    [Parameter]
    [ValidateSet("512", "4096")]
    public int SectorSize { get; set; } = 4096;

    /// <summary>AES key size of the XTS cipher (256: AES-256-XTS with a 512-bit key).</summary>
    [Parameter]
    [ValidateSet("128", "256")]
    public int KeySize { get; set; } = 256;

    /// <summary>Filesystem to create in the data area.</summary>
    [Parameter]
    [ValidateSet("Fat32", "None")]
    public string FileSystem { get; set; } = "Fat32";

    /// <summary>FAT32 volume label (up to 11 characters).</summary>
    [Parameter]
    [ValidateLength(1, 11)]
    public string? Label { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        Guard(path, () => Create(path));
    }

    private void Create(string path)
    {
        if (!Sizes.TryParse(Size, out long size))
            throw new BlockCryptCmdletException("InvalidSize", ErrorCategory.InvalidArgument, $"-Size '{Size}' is not a size (e.g. 512MiB, 1GiB or a number of bytes).");
        if (size % SectorSize != 0)
            throw new BlockCryptCmdletException("InvalidSize", ErrorCategory.InvalidArgument, $"-Size {size} is not a multiple of the {SectorSize}-byte sector size.");
        bool fat32 = FileSystem.Equals("Fat32", StringComparison.OrdinalIgnoreCase);
        if (fat32)
        {
            long minimum = FatFileSystem.MinimumBytes(SectorSize, SectorSize);
            if (size < minimum)
                throw new BlockCryptCmdletException("InvalidSize", ErrorCategory.InvalidArgument,
                    $"FAT32 needs a data area of at least {(minimum + (1 << 20) - 1) >> 20} MiB with {SectorSize}-byte sectors; " +
                    "give a larger -Size, -SectorSize 512, or -FileSystem None.");
        }
        if (File.Exists(path) || Directory.Exists(path))
            throw new BlockCryptCmdletException("AlreadyExists", ErrorCategory.ResourceExists, $"'{path}' already exists; refusing to overwrite it.");
        string? folder = System.IO.Path.GetDirectoryName(path);
        if (folder is not null && !Directory.Exists(folder))
            throw new BlockCryptCmdletException("FileNotFound", ErrorCategory.ObjectNotFound, $"Folder '{folder}' not found.");
        CheckStartupKeyPath();
        string what = $"Create a {size}-byte {(KeySize == 128 ? "AES-128-XTS" : "AES-256-XTS")} volume with a {NewProtectorDescription}" +
                      (fat32 ? " and a FAT32 filesystem" : "");
        if (!ShouldProcess(path, what)) return;

        using var prepared = PrepareProtector();
        try
        {
            var options = new VolumeCreateOptions
            {
                DataSize = size, SectorSize = SectorSize, Protectors = [prepared.Request],
                Cipher = KeySize == 128 ? CipherKind.AesXts128 : CipherKind.AesXts256,
            };
            var (unlocked, results) = WithProgress("New-BlockCryptVolume " + path, "Creating the key protector (KDF / TPM)",
                () => Volume.Volume.Create(path, options), abandoned => Discard(path, abandoned.Volume, abandoned.Protectors));
            BlockCryptVolume output;
            using (var volume = unlocked.Volume)
            using (unlocked)
            {
                try
                {
                    if (fat32)
                    {
                        WithProgress("New-BlockCryptVolume " + path, "Creating the FAT32 filesystem",
                            () => FatFileSystem.Format(unlocked.Device, new FatFormatOptions { Label = Label }));
                    }
                    unlocked.Device.Flush();
                }
                catch (Exception e)
                {
                    Discard(path, unlocked, results);
                    if (e is FileSystemException f)
                        throw new BlockCryptCmdletException("FileSystem", ErrorCategory.InvalidArgument, $"Cannot create FAT32: {f.Message}");
                    throw;
                }
                var status = unlocked.GetStatus();
                var created = results[0];
                var protectors = status.Protectors.Select(p =>
                    VolumeView.Protector(path, status.VolumeId, p, p.Id == created.Id ? created.RecoveryPassword : null));
                output = VolumeView.Create(path, status, authenticated: true, protectors);
                foreach (var r in results) r.Dispose();
            }
            bool recovery = output.KeyProtector.Any(k => k.RecoveryPassword is not null);
            if (recovery) WriteWarning(RecoveryNotice);
            WriteCreated(output, recovery);
        }
        catch
        {
            prepared.Undo();
            throw;
        }
    }

    /// <summary>Closes a volume that will not be handed out (zeroing its keys) and deletes its new container file.</summary>
    private static void Discard(string path, UnlockedVolume unlocked, IReadOnlyList<ProtectorAddResult> results)
    {
        var volume = unlocked.Volume;
        foreach (var r in results) r.Dispose();
        unlocked.Dispose();
        volume.Dispose();
        File.Delete(path);
    }
}
