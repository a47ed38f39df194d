namespace BlockCrypt.FileSystem.Fat32;

public sealed partial class FatFileSystem
{
    /// <inheritdoc/>
    public FileEntry Stat(string path) => WithReadLock(() =>
    {
        var parts = Split(path);
        if (parts.Length == 0)
            return new FileEntry("", true, 0, FileAttributes.Directory, FatTime.Epoch, FatTime.Epoch, FatTime.Epoch);
        lock (_cacheLock) return ResolveEntry(path).Entry.ToFileEntry();
    });

    /// <inheritdoc/>
    public IReadOnlyList<FileEntry> ReadDirectory(string path) =>
        WithReadLock(() =>
        {
            lock (_cacheLock) return ResolveDirectory(path).Entries.Select(e => e.ToFileEntry()).ToList();
        });

    // Lookups may load directories into the cache, which mutates shared state: under the read lock that is
    // done with the cache lock held (loading is idempotent, the first result wins). Writes in flight under the read
    // lock also change their entry's size and times with it held (FatFileSystem.Write.cs).
    private readonly Lock _cacheLock = new();

    /// <inheritdoc/>
    public void CreateDirectory(string path) => WithWriteLock(() =>
    {
        ThrowIfReadOnly();
        var parts = Split(path);
        if (parts.Length == 0) throw new FileSystemException(FileSystemError.AlreadyExists, "The root directory exists.");
        string name = parts[^1];
        FatNames.Validate(name);
        var parent = ResolveParent(parts);
        if (parent.Find(name) != null) throw new FileSystemException(FileSystemError.AlreadyExists, $"'{path}' already exists.");

        // Allocate and fill the new directory's cluster ("." and "..", spec §6.7) before linking it.
        var now = DateTime.UtcNow;
        uint c = Allocate(1, _nextFree, 0)[0].First;
        var dirData = new byte[_g.ClusterSize];
        var dot = new FatDirEntry { Attr = FatDirectory.AttrDirectory, FirstCluster = c };
        dot.Touch(now, true, true, true);
        "..         "u8.CopyTo(dot.ShortName); dot.ShortName[1] = (byte)' ';
        FatDirectory.WriteShortFields(dot, dirData.AsSpan(0, 32));
        var dotdot = new FatDirEntry { Attr = FatDirectory.AttrDirectory, FirstCluster = parent.IsRoot ? 0 : parent.FirstCluster };
        dotdot.Touch(now, true, true, true);
        "..         "u8.CopyTo(dotdot.ShortName);
        FatDirectory.WriteShortFields(dotdot, dirData.AsSpan(32, 32));
        _device.Write(_g.ClusterToSector(c), dirData);
        FlushFat();

        var entry = new FatDirEntry { Attr = FatDirectory.AttrDirectory, FirstCluster = c };
        entry.Touch(now, true, true, true);
        AddEntry(parent, name, entry);
        FlushFat();
        FlushDirs();
    });

    /// <inheritdoc/>
    public void DeleteFile(string path) => WithWriteLock(() =>
    {
        ThrowIfReadOnly();
        var (parent, e) = ResolveEntry(path);
        if (e.IsDirectory) throw new FileSystemException(FileSystemError.IsADirectory, $"'{path}' is a directory.");
        Unlink(parent, e);
    });

    /// <summary>Removes a file's entry, then frees its clusters (or defers that to the last handle's close).</summary>
    private void Unlink(FatDirectory parent, FatDirEntry e)
    {
        parent.Remove(e, _g.BytesPerSector);
        MarkDirty(parent);
        FlushFat();
        FlushDirs();
        if (e.Node != null)
        {
            // Still open: the handles keep using the clusters; they are freed when the last one closes.
            e.Node.Dir = null;
            _dirtyNodes.Remove(e.Node);
            return;
        }
        if (e.FirstCluster != 0)
        {
            FreeChain(e.FirstCluster);
            FlushFat();
        }
    }

    /// <inheritdoc/>
    public void DeleteDirectory(string path) => WithWriteLock(() =>
    {
        ThrowIfReadOnly();
        var (parent, e) = ResolveEntry(path);
        if (!e.IsDirectory) throw new FileSystemException(FileSystemError.NotADirectory, $"'{path}' is not a directory.");
        var dir = GetDirectory(e.FirstCluster);
        if (dir.ByName.Count != 0) throw new FileSystemException(FileSystemError.DirectoryNotEmpty, $"'{path}' is not empty.");
        parent.Remove(e, _g.BytesPerSector);
        MarkDirty(parent);
        FlushFat();
        FlushDirs();
        _dirs.Remove(dir.FirstCluster);
        _dirtyDirs.Remove(dir);
        FreeChain(dir.FirstCluster);
        FlushFat();
    });

    /// <inheritdoc/>
    public void Rename(string from, string to, bool replace) => WithWriteLock(() =>
    {
        ThrowIfReadOnly();
        var fromParts = Split(from);
        var toParts = Split(to);
        if (fromParts.Length == 0 || toParts.Length == 0)
            throw new FileSystemException(FileSystemError.InvalidArgument, "The root directory cannot be renamed.");
        var (srcParent, src) = ResolveEntry(from);
        if (src.Node != null) FillHoles(src.Node); // the entry is stored again under the new name below
        string newName = toParts[^1];
        FatNames.Validate(newName);
        var walked = new List<uint>();
        var dstParent = ResolveParent(toParts, walked);
        if (src.IsDirectory && walked.Contains(src.FirstCluster))
            throw new FileSystemException(FileSystemError.InvalidArgument, $"'{from}' cannot be moved into itself.");
        var dst = dstParent.Find(newName);
        if (dst == src) dst = null; // same entry (a change of case, or the same name)
        if (dst != null)
        {
            if (!replace) throw new FileSystemException(FileSystemError.AlreadyExists, $"'{to}' already exists.");
            if (dst.IsDirectory && !src.IsDirectory) throw new FileSystemException(FileSystemError.IsADirectory, $"'{to}' is a directory.");
            if (!dst.IsDirectory && src.IsDirectory) throw new FileSystemException(FileSystemError.NotADirectory, $"'{to}' is not a directory.");
            if (dst.IsDirectory && GetDirectory(dst.FirstCluster).ByName.Count != 0)
                throw new FileSystemException(FileSystemError.DirectoryNotEmpty, $"'{to}' is not empty.");
        }
        if (ReferenceEquals(srcParent, dstParent) && dst == null && newName == src.Name) return;

        // A moved directory's ".." must name its new parent (spec §6.7).
        if (src.IsDirectory && !ReferenceEquals(srcParent, dstParent))
        {
            var moved = GetDirectory(src.FirstCluster);
            var dotdot = moved.Data.AsSpan(32, 32);
            if (dotdot[0] == '.' && dotdot[1] == '.')
            {
                uint p = dstParent.IsRoot ? 0 : dstParent.FirstCluster;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(dotdot[20..], (ushort)(p >> 16));
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(dotdot[26..], (ushort)p);
                moved.DirtySectors.Add(32 / _g.BytesPerSector);
                MarkDirty(moved);
            }
        }

        // Order (crash safety): unlink the old name (and the replaced entry) first, then link the new one;
        // an interruption loses the entry's clusters at worst, it never leaves two entries sharing a chain.
        srcParent.Remove(src, _g.BytesPerSector);
        MarkDirty(srcParent);
        uint freeAfter = 0;
        FatDirectory? freeDir = null;
        if (dst != null)
        {
            dstParent.Remove(dst, _g.BytesPerSector);
            if (dst.Node != null) { dst.Node.Dir = null; _dirtyNodes.Remove(dst.Node); }
            else freeAfter = dst.FirstCluster;
            if (dst.IsDirectory) freeDir = GetDirectory(dst.FirstCluster);
        }
        FlushDirs();

        var entry = new FatDirEntry
        {
            Attr = src.Attr, FirstCluster = src.FirstCluster, Size = src.Size, CrtTenth = src.CrtTenth,
            CrtTime = src.CrtTime, CrtDate = src.CrtDate, AccDate = src.AccDate, WrtTime = src.WrtTime, WrtDate = src.WrtDate,
            Node = src.Node,
        };
        AddEntry(dstParent, newName, entry);
        if (entry.Node != null)
        {
            entry.Node.Entry = entry;
            entry.Node.Dir = dstParent;
        }
        FlushFat();
        FlushDirs();
        if (freeDir != null) { _dirs.Remove(freeDir.FirstCluster); _dirtyDirs.Remove(freeDir); }
        if (freeAfter != 0)
        {
            FreeChain(freeAfter);
            FlushFat();
        }
    });

    /// <inheritdoc/>
    public void SetTimes(string path, DateTime? created, DateTime? accessed, DateTime? modified) => WithWriteLock(() =>
    {
        ThrowIfReadOnly();
        var (parent, e) = ResolveEntry(path);
        if (created is { } c) { var (d, t, tenth) = FatTime.Encode(c); e.CrtDate = d; e.CrtTime = t; e.CrtTenth = tenth; }
        if (accessed is { } a) e.AccDate = FatTime.Encode(a).Date;
        if (modified is { } m) { var (d, t, _) = FatTime.Encode(m); e.WrtDate = d; e.WrtTime = t; }
        if (e.Node != null) FillHoles(e.Node); // the stored size must not cover unwritten holes
        parent.Store(e, _g.BytesPerSector);
        MarkDirty(parent);
        FlushDirs();
    });

    /// <inheritdoc/>
    public void SetAttributes(string path, FileAttributes attributes) => WithWriteLock(() =>
    {
        ThrowIfReadOnly();
        var (parent, e) = ResolveEntry(path);
        const FileAttributes settable = FileAttributes.ReadOnly | FileAttributes.Hidden | FileAttributes.System | FileAttributes.Archive;
        e.Attr = (byte)((e.Attr & FatDirectory.AttrDirectory) | (byte)(attributes & settable));
        if (e.Node != null) FillHoles(e.Node);
        parent.Store(e, _g.BytesPerSector);
        MarkDirty(parent);
        FlushDirs();
    });
}
