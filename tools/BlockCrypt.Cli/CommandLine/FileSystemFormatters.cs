using BlockCrypt.Storage;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Puts a filesystem on a freshly formatted volume (<c>format --filesystem NAME</c>). <c>none</c> is built in; the
/// FAT32 area adds a class implementing this (found by reflection) and may mark it the default.
/// </summary>
public interface IFileSystemFormatter
{
    /// <summary>Value of <c>--filesystem</c>.</summary>
    string Name { get; }

    /// <summary>Used when <c>--filesystem</c> is not given (the highest-priority default wins; <c>none</c> is 0).</summary>
    int DefaultPriority { get; }

    /// <summary>Formats the decrypted device.</summary>
    void Format(IBlockDevice device, CommandContext context);
}

/// <summary>No filesystem: the data area stays as it is (reads as pseudo-random ciphertext-decrypted bytes).</summary>
public sealed class NoFileSystemFormatter : IFileSystemFormatter
{
    /// <inheritdoc/>
    public string Name => "none";

    /// <inheritdoc/>
    public int DefaultPriority => 0;

    /// <inheritdoc/>
    public void Format(IBlockDevice device, CommandContext context)
    {
    }
}
