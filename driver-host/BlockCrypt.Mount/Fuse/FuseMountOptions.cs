namespace BlockCrypt.Mount.Fuse;

/// <summary>How <see cref="FuseMount"/> mounts.</summary>
public sealed record FuseMountOptions
{
    /// <summary>Largest read and write request (conn->max_read/max_write and -o max_read): 1 MiB by default.</summary>
    public int MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>Value written to /sys/class/bdi/&lt;maj:min&gt;/read_ahead_kb after mounting (0 leaves the kernel default).</summary>
    public int ReadAheadKiB { get; init; } = 1024;

    /// <summary>Pass -o auto_unmount so a killed host leaves no dead mount behind.</summary>
    public bool AutoUnmount { get; init; } = true;

    /// <summary>Bypass the page cache (direct_io): faster large sequential I/O, no mmap of files.</summary>
    public bool DirectIo { get; init; }

    /// <summary>
    /// Let the kernel cache writes and send them in large batches (FUSE_CAP_WRITEBACK_CACHE). Much faster buffered
    /// writes; data not yet fsync'ed is lost if the host dies, as with any filesystem's page cache.
    /// </summary>
    public bool WritebackCache { get; init; } = true;

    /// <summary>Name shown as the source in /proc/mounts.</summary>
    public string FsName { get; init; } = "blockcrypt";

    /// <summary>Open-file table size.</summary>
    public int MaxOpenFiles { get; init; } = 4096;
}
