namespace BlockCrypt.FileSystem.Fat32;

/// <summary>An open file of a <see cref="FatFileSystem"/>. Thread-safe; positional reads and writes.</summary>
internal sealed class FatFileHandle : IFileHandle
{
    private readonly FatFileSystem _fs;
    private readonly FatFileNode _node;
    private readonly bool _writable;
    private int _disposed;

    public FatFileHandle(FatFileSystem fs, FatFileNode node, bool writable)
    {
        _fs = fs;
        _node = node;
        _writable = writable;
    }

    public long Length => _fs.GetLength(_node, this);

    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ThrowIfDisposed();
        return _fs.ReadFile(_node, offset, buffer);
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ThrowIfDisposed();
        ThrowIfNotWritable();
        _fs.WriteFile(_node, offset, data);
    }

    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfDisposed();
        ThrowIfNotWritable();
        _fs.SetFileLength(_node, length);
    }

    public void Flush()
    {
        ThrowIfDisposed();
        _fs.FlushFile(_node);
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ThrowIfNotWritable()
    {
        if (!_writable) throw new FileSystemException(FileSystemError.AccessDenied, "The file was opened read-only.");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _fs.CloseFile(_node);
    }
}
