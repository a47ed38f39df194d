using BlockCrypt.Cli.CommandLine;
using BlockCrypt.FileSystem;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>format --filesystem fat32 [--label L]</c>: a FAT32 filesystem in the decrypted data area.</summary>
/// <remarks>
/// The default filesystem. FAT32 needs at least 65,525 clusters (about 257 MiB on 4096-byte sectors, 33 MiB on
/// 512-byte sectors): smaller sizes are refused before anything is written; <c>--filesystem none</c> allows them.
/// </remarks>
public sealed class Fat32Formatter : IFileSystemFormatter
{
    /// <inheritdoc/>
    public string Name => "fat32";

    /// <inheritdoc/>
    public int DefaultPriority => 10;

    /// <summary>Refuses, before the volume is created, a data size too small for FAT32 with one-sector clusters.</summary>
    public static void CheckSize(long dataSize, int sectorSize)
    {
        long minimum = FatFileSystem.MinimumBytes(sectorSize, sectorSize);
        if (dataSize < minimum)
            throw new CliException(ExitCodes.InvalidArgument,
                $"FAT32 needs a data area of at least {(minimum + (1 << 20) - 1) >> 20} MiB with {sectorSize}-byte sectors; " +
                "give a larger --size, --sector-size 512, or --filesystem none.");
    }

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
