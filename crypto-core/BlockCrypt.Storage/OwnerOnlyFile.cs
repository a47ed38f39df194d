namespace BlockCrypt.Storage;

/// <summary>
/// New files that only their owner may read: containers, header backups, key files, recovery passwords, escrow
/// records and decrypted images all hold secrets, whatever the umask says.
/// </summary>
public static class OwnerOnlyFile
{
    /// <summary>
    /// Creates <paramref name="path"/> for writing, never overwriting (O_EXCL); on Unix with mode 0600 from the moment it
    /// exists, so no other user can open it in between.
    /// </summary>
    public static FileStream Create(string path, int bufferSize = 4096)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }
}
