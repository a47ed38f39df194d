using BlockCrypt.Cli.CommandLine;
using BlockCrypt.FileSystem;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>format --filesystem fat32 [--label L]</c>: a FAT32 filesystem in the decrypted data area.</summary>
/// <remarks>
/// Not the default yet: FAT32 needs at least 65,525 clusters (about 257 MiB on 4096-byte sectors, 33 MiB on 512-byte
/// sectors), and <c>none</c> keeps small volumes possible. Pass <c>--filesystem fat32</c> for a mountable volume.
/// </remarks>
public sealed class Fat32Formatter : IFileSystemFormatter
{
    /// <inheritdoc/>
    public string Name => "fat32";

    /// <inheritdoc/>
    public int DefaultPriority => -1;

    /// <inheritdoc/>
    public void Format(IBlockDevice device, CommandContext context)
    {
        try
        {
            FatFileSystem.Format(device, new FatFormatOptions { Label = context.Args.Get("label") });
        }
        catch (FileSystemException e)
        {
            throw new CliException(ExitCodes.InvalidArgument, $"Cannot create FAT32: {e.Message}");
        }
    }
}
