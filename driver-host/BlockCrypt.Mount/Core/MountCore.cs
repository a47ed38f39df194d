using BlockCrypt.FileSystem;

namespace BlockCrypt.Mount.Core;

/// <summary>
/// The operations both adapters share: path normalisation, the open-file table and the few compound operations
/// (truncate by path, rename over an empty directory, the read-only attribute). Members throw
/// <see cref="FileSystemException"/> or <see cref="MountException"/>; the adapters map them at their edge with
/// <see cref="ErrorMapping"/>. The read and write paths allocate nothing.
/// </summary>
/// <remarks>Threading: every member may be called from many threads at once (the filesystem is thread-safe).</remarks>
public sealed class MountCore : IDisposable
{
    private int _disposed;

    /// <summary>Wraps a filesystem; <paramref name="maxOpenFiles"/> sizes the handle table.</summary>
    public MountCore(IFileSystem fileSystem, int maxOpenFiles = 4096)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        FileSystem = fileSystem;
        Handles = new HandleTable(maxOpenFiles);
    }

    /// <summary>The filesystem served.</summary>
    public IFileSystem FileSystem { get; }

    /// <summary>The open files.</summary>
    public HandleTable Handles { get; }

    /// <summary>True when writes are refused.</summary>
    public bool IsReadOnly => FileSystem.IsReadOnly;

    /// <summary>Opens (or creates) a file and returns its handle number.</summary>
    public ulong Open(string path, FileOpenMode mode, bool writable)
    {
        if (writable && IsReadOnly) ThrowReadOnly();
        IFileHandle handle = FileSystem.OpenFile(path, mode, writable);
        try
        {
            return Handles.Add(handle, path, writable);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads into <paramref name="buffer"/> at <paramref name="offset"/>; returns the bytes read (0 at end).</summary>
    public int Read(ulong handle, long offset, Span<byte> buffer)
    {
        IFileHandle file = Handles.Get(handle);
        int total = 0;
        // The filesystem may return short reads at cluster-run boundaries: fill the whole request.
        while (!buffer.IsEmpty)
        {
            int n = file.Read(offset, buffer);
            if (n <= 0) break;
            total += n;
            offset += n;
            buffer = buffer[n..];
        }
        return total;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public void Write(ulong handle, long offset, ReadOnlySpan<byte> data)
    {
        if (!Handles.IsWritable(handle)) throw new FileSystemException(FileSystemError.AccessDenied, "The file was opened read-only.");
        Handles.Get(handle).Write(offset, data);
    }

    /// <summary>Current length of an open file.</summary>
    public long GetLength(ulong handle) => Handles.Get(handle).Length;

    /// <summary>Sets the length of an open file.</summary>
    public void SetLength(ulong handle, long length)
    {
        if (length < 0) throw new FileSystemException(FileSystemError.InvalidArgument, "Negative length.");
        if (!Handles.IsWritable(handle)) throw new FileSystemException(FileSystemError.AccessDenied, "The file was opened read-only.");
        Handles.Get(handle).SetLength(length);
    }

    /// <summary>Makes an open file durable.</summary>
    public void Flush(ulong handle) => Handles.Get(handle).Flush();

    /// <summary>Closes an open file.</summary>
    public void Close(ulong handle) => Handles.Remove(handle).Dispose();

    /// <summary>Sets the length of a file by path.</summary>
    public void Truncate(string path, long length)
    {
        if (length < 0) throw new FileSystemException(FileSystemError.InvalidArgument, "Negative length.");
        if (IsReadOnly) ThrowReadOnly();
        using IFileHandle file = FileSystem.OpenFile(path, FileOpenMode.Open, writable: true);
        file.SetLength(length);
    }

    /// <summary>
    /// Renames <paramref name="from"/> to <paramref name="to"/>. With <paramref name="replace"/>, an existing
    /// destination file is replaced, and an existing empty destination directory is replaced by a source directory
    /// (POSIX rename(2) semantics); without it an existing destination fails with AlreadyExists.
    /// </summary>
    public void Rename(string from, string to, bool replace)
    {
        if (IsReadOnly) ThrowReadOnly();
        if (replace && !MountPath.SameEntry(from, to))
        {
            FileEntry? target = TryStat(to);
            if (target is { IsDirectory: true })
            {
                FileEntry source = FileSystem.Stat(from);
                if (!source.IsDirectory) throw new FileSystemException(FileSystemError.IsADirectory, $"'{to}' is a directory.");
                FileSystem.DeleteDirectory(to);
            }
        }
        FileSystem.Rename(from, to, replace);
    }

    /// <summary>Sets or clears the FAT read-only attribute (what chmod a-w / u+w maps to).</summary>
    public void SetReadOnlyAttribute(string path, bool readOnly)
    {
        if (IsReadOnly) ThrowReadOnly();
        FileEntry entry = FileSystem.Stat(path);
        if (path == "/") return;
        FileAttributes attributes = entry.Attributes & (FileAttributes.ReadOnly | FileAttributes.Hidden | FileAttributes.System | FileAttributes.Archive);
        FileAttributes wanted = readOnly ? attributes | FileAttributes.ReadOnly : attributes & ~FileAttributes.ReadOnly;
        if (wanted != attributes) FileSystem.SetAttributes(path, wanted);
    }

    /// <summary>Stat that returns null instead of throwing NotFound.</summary>
    public FileEntry? TryStat(string path)
    {
        try
        {
            return FileSystem.Stat(path);
        }
        catch (FileSystemException e) when (e.Error == FileSystemError.NotFound)
        {
            return null;
        }
    }

    /// <summary>Closes every open file and flushes the filesystem (the filesystem itself is disposed by its owner).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (IFileHandle h in Handles.RemoveAll())
        {
            try { h.Dispose(); } catch (IOException) { /* best effort at unmount; the FS flush below reports real failures */ }
        }
        if (!IsReadOnly) FileSystem.Flush();
    }

    private static void ThrowReadOnly() => throw new FileSystemException(FileSystemError.ReadOnly, "The volume is mounted read-only.");
}
