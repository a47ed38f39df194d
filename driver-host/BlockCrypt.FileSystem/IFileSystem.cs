namespace BlockCrypt.FileSystem;

/// <summary>
/// The filesystem surface the mount adapters (FUSE, Dokan) translate to. Paths are absolute,
/// '/'-separated, case-insensitive and case-preserving ("/" is the root; '\' is accepted as a separator too).
/// </summary>
/// <remarks>
/// Threading: every member is safe to call from many threads at once. Expected failures are reported as
/// <see cref="FileSystemException"/> with a <see cref="FileSystemError"/>; nothing else escapes except
/// <see cref="ObjectDisposedException"/> after disposal and argument exceptions for programming errors.
/// </remarks>
public interface IFileSystem : IDisposable
{
    /// <summary>The volume label (may be empty).</summary>
    string Label { get; }

    /// <summary>The volume serial number.</summary>
    uint SerialNumber { get; }

    /// <summary>True when the filesystem was opened read-only.</summary>
    bool IsReadOnly { get; }

    /// <summary>Largest file size supported (4 GiB - 1 for FAT32).</summary>
    long MaxFileSize { get; }

    /// <summary>Longest file name in UTF-16 code units (255 for VFAT).</summary>
    int MaxNameLength { get; }

    /// <summary>Size and free space.</summary>
    FileSystemStats GetStats();

    /// <summary>Information about one file or directory (the root included).</summary>
    FileEntry Stat(string path);

    /// <summary>The entries of a directory, without "." and "..".</summary>
    IReadOnlyList<FileEntry> ReadDirectory(string path);

    /// <summary>Opens or creates a file (never a directory). The handle must be disposed.</summary>
    IFileHandle OpenFile(string path, FileOpenMode mode, bool writable);

    /// <summary>Creates a directory; the parent must exist.</summary>
    void CreateDirectory(string path);

    /// <summary>Deletes a file.</summary>
    void DeleteFile(string path);

    /// <summary>Deletes an empty directory (<see cref="FileSystemError.DirectoryNotEmpty"/> otherwise).</summary>
    void DeleteDirectory(string path);

    /// <summary>Renames or moves a file or directory; replaces an existing destination file when <paramref name="replace"/> is true.</summary>
    void Rename(string from, string to, bool replace);

    /// <summary>Sets the times that are not null.</summary>
    void SetTimes(string path, DateTime? created, DateTime? accessed, DateTime? modified);

    /// <summary>Sets the attributes a FAT directory entry keeps (ReadOnly, Hidden, System, Archive).</summary>
    void SetAttributes(string path, FileAttributes attributes);

    /// <summary>Writes every cached change to the block device and flushes it.</summary>
    void Flush();
}

/// <summary>An open file. Thread-safe; reads and writes are positional.</summary>
public interface IFileHandle : IDisposable
{
    /// <summary>Current length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns 0 at or past the end.</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes at <paramref name="offset"/>, extending the file (with zeros in any gap) as needed.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Grows (with zeros) or shrinks the file.</summary>
    void SetLength(long length);

    /// <summary>Makes this file's data and metadata durable.</summary>
    void Flush();
}

/// <summary>How <see cref="IFileSystem.OpenFile"/> treats an existing or missing file.</summary>
public enum FileOpenMode
{
    /// <summary>Open an existing file; NotFound otherwise.</summary>
    Open,
    /// <summary>Create a new file; AlreadyExists if one exists.</summary>
    CreateNew,
    /// <summary>Open the file, or create it when missing.</summary>
    OpenOrCreate,
    /// <summary>Create the file, or truncate it to zero when it exists.</summary>
    Create,
    /// <summary>Open an existing file and truncate it to zero; NotFound otherwise.</summary>
    Truncate,
}

/// <summary>What <see cref="IFileSystem.Stat"/> and <see cref="IFileSystem.ReadDirectory"/> report.</summary>
public sealed record FileEntry(
    string Name,
    bool IsDirectory,
    long Length,
    FileAttributes Attributes,
    DateTime CreationTimeUtc,
    DateTime LastWriteTimeUtc,
    DateTime LastAccessTimeUtc,
    string? ShortName = null);

/// <summary>Totals for statfs / GetDiskFreeSpace.</summary>
public readonly record struct FileSystemStats(long TotalBytes, long FreeBytes, int ClusterSize, long TotalClusters, long FreeClusters);

/// <summary>Why a filesystem operation failed. Adapters map each value to one errno and one NTSTATUS.</summary>
public enum FileSystemError
{
    NotFound,
    AlreadyExists,
    NotADirectory,
    IsADirectory,
    DirectoryNotEmpty,
    InvalidName,
    NameTooLong,
    FileTooLarge,
    NoSpace,
    ReadOnly,
    Corrupt,
    InvalidArgument,
    AccessDenied,
    IoError,
}

/// <summary>The filesystem's one exception type for expected failures.</summary>
public class FileSystemException : IOException
{
    public FileSystemException(FileSystemError error, string message) : base(message) => Error = error;
    public FileSystemException(FileSystemError error, string message, Exception inner) : base(message, inner) => Error = error;

    /// <summary>The failure kind.</summary>
    public FileSystemError Error { get; }
}
