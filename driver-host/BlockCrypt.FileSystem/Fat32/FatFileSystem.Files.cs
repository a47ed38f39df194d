using System.Buffers;
using BlockCrypt.Storage;

namespace BlockCrypt.FileSystem.Fat32;

public sealed partial class FatFileSystem
{
    /// <inheritdoc/>
    public IFileHandle OpenFile(string path, FileOpenMode mode, bool writable) => WithWriteLock<IFileHandle>(() =>
    {
        bool modifies = writable || mode is FileOpenMode.CreateNew or FileOpenMode.Create or FileOpenMode.Truncate;
        if (modifies) ThrowIfReadOnly();
        var parts = Split(path);
        if (parts.Length == 0) throw new FileSystemException(FileSystemError.IsADirectory, "The root is a directory.");
        var parent = ResolveParent(parts);
        string name = parts[^1];
        var e = parent.Find(name);
        if (e != null && mode == FileOpenMode.CreateNew)
            throw new FileSystemException(FileSystemError.AlreadyExists, $"'{path}' already exists.");
        if (e != null && e.IsDirectory) throw new FileSystemException(FileSystemError.IsADirectory, $"'{path}' is a directory.");
        if (e == null)
        {
            if (mode is FileOpenMode.Open or FileOpenMode.Truncate)
                throw new FileSystemException(FileSystemError.NotFound, $"'{path}' does not exist.");
            ThrowIfReadOnly();
            FatNames.Validate(name);
            e = new FatDirEntry { Attr = FatDirectory.AttrArchive };
            e.Touch(DateTime.UtcNow, true, true, true);
            AddEntry(parent, name, e);
            FlushFat();
            FlushDirs();
        }
        else if (mode == FileOpenMode.CreateNew)
            throw new FileSystemException(FileSystemError.AlreadyExists, $"'{path}' already exists.");

        var node = e.Node;
        if (node == null)
        {
            var chain = ReadChain(e.FirstCluster);
            long clusters = chain.Count == 0 ? 0 : chain[^1].FileIndex + chain[^1].Count;
            if (clusters * _g.ClusterSize < e.Size)
                ThrowCorrupt($"'{path}' claims {e.Size} bytes but its chain holds only {clusters} clusters.");
            node = new FatFileNode(parent, e, chain);
            e.Node = node;
            _openNodes.Add(node);
        }
        node.Refs++;
        if (mode is FileOpenMode.Create or FileOpenMode.Truncate && e.Size > 0)
        {
            try { Resize(node, 0); }
            catch { ReleaseNode(node); throw; }
        }
        return new FatFileHandle(this, node, writable);
    });

    internal long GetLength(FatFileNode node, FatFileHandle handle)
    {
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            handle.ThrowIfDisposed();
            return node.Entry.Size;
        }
        finally { _lock.ExitReadLock(); }
    }

    internal int ReadFile(FatFileNode node, long offset, Span<byte> buffer)
    {
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            long size = Volatile.Read(ref node.Entry.Size);
            if (offset >= size || buffer.IsEmpty) return 0;
            int n = (int)Math.Min(buffer.Length, size - offset);
            // Holes present once the size is read are masked (FatFileSystem.Write.cs); rare, so the copy is too.
            List<(long, long)>? holes = null;
            if (Volatile.Read(ref node.HoleCount) > 0)
                lock (_cacheLock) holes = node.Holes is { Count: > 0 } h ? [.. h] : null;
            DataIo(node, offset, buffer[..n], default, write: false);
            MaskHoles(node, offset, buffer[..n], holes);
            return n;
        }
        catch (BlockDeviceException e) { throw IoError(e); }
        finally { _lock.ExitReadLock(); }
    }

    internal void SetFileLength(FatFileNode node, long length)
    {
        if (length > MaxFileSize)
            throw new FileSystemException(FileSystemError.FileTooLarge, $"FAT32 files are limited to 4 GiB - 1 bytes ({length} asked).");
        _lock.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            Resize(node, length);
        }
        catch (BlockDeviceException ex) { throw IoError(ex); }
        finally { _lock.ExitWriteLock(); }
    }

    private void Resize(FatFileNode node, long length)
    {
        FillHoles(node);
        var e = node.Entry;
        long old = e.Size;
        if (length == old) return;
        e.Touch(DateTime.UtcNow, false, true, false);
        e.Attr |= FatDirectory.AttrArchive;
        if (length > old)
        {
            EnsureClusters(node, length);
            ZeroRange(node, old, length);
            e.Size = (uint)length;
            StoreEntry(node);
            return;
        }
        // Shrink: the entry's new size is written first, then the chain is cut and the tail freed.
        e.Size = (uint)length;
        CutChain(node, store: true);
    }

    /// <summary>
    /// Frees the clusters past the file's size (after a shrink, or preallocated ones at close): the entry is
    /// stored first, then the chain is ended, then the tail freed, so a crash leaves at worst lost clusters or a
    /// chain longer than the size.
    /// </summary>
    private void CutChain(FatFileNode node, bool store)
    {
        var e = node.Entry;
        uint keep = (uint)(((long)e.Size + _g.ClusterSize - 1) / _g.ClusterSize);
        if (keep >= node.ClusterCount)
        {
            if (store || _dirtyNodes.Contains(node)) StoreEntry(node);
            return;
        }
        uint first = e.FirstCluster;
        if (keep == 0) e.FirstCluster = 0;
        StoreEntry(node);
        uint cut;
        if (keep == 0) cut = first;
        else
        {
            var ext = node.Extents[node.FindExtent(keep - 1)];
            uint lastKept = ext.First + (keep - 1 - ext.FileIndex);
            cut = Next(lastKept);
            SetEntry(lastKept, EocWrite);
            FlushFat(); // the file's chain ends before the tail is freed
        }
        if (cut is >= 2 and < EndOfChain) FreeChain(cut);
        node.TruncateMap(keep);
        FlushFat();
    }

    /// <summary>Writes the node's entry (size, first cluster, times) now.</summary>
    private void StoreEntry(FatFileNode node)
    {
        _dirtyNodes.Remove(node);
        if (node.Dir == null) return;
        FillHoles(node);
        node.Dir.Store(node.Entry, _g.BytesPerSector);
        MarkDirty(node.Dir);
        FlushDirs();
    }

    /// <summary>Makes the chain hold at least <paramref name="bytes"/> bytes, allocating after the last cluster when possible.</summary>
    private void EnsureClusters(FatFileNode node, long bytes)
    {
        uint need = (uint)((bytes + _g.ClusterSize - 1) / _g.ClusterSize);
        uint have = node.ClusterCount;
        if (need <= have) return;
        uint goal = have == 0 ? _nextFree : node.LastCluster + 1;
        // Growing files get up to a quarter of their size more (at most 32 MiB) so that appends touch the FAT rarely:
        // a FUSE writeback stream has a dozen 1 MiB requests in flight, and an allocation makes them all wait. The
        // surplus is freed when the last handle closes.
        uint want = need - have;
        uint count = want + Math.Min(have / 4, (uint)((32 << 20) / _g.ClusterSize));
        if (count > _freeCount) count = want;
        var runs = Allocate(count, goal, have);
        // The new chain (ending in end-of-chain) reaches the FAT before the link to it: FAT sectors are written
        // in ascending order, and the tail's sector may come first (fatgen103 §4 semantics, crash order).
        FlushFat();
        if (have == 0) node.Entry.FirstCluster = runs[0].First;
        else
        {
            SetEntry(node.LastCluster, runs[0].First);
            FlushFat();
        }
        node.Append(runs);
    }

    private void ZeroRange(FatFileNode node, long from, long to)
    {
        while (from < to)
        {
            int n = (int)Math.Min(s_zeros.Length, to - from);
            DataIo(node, from, default, s_zeros.AsSpan(0, n), write: true);
            from += n;
        }
    }

    /// <summary>
    /// Moves bytes between the caller's buffer and the file's clusters: each contiguous run of clusters is one
    /// device request straight into / from the caller's memory; only unaligned sector edges use a scratch sector.
    /// </summary>
    private void DataIo(FatFileNode node, long offset, Span<byte> readBuf, ReadOnlySpan<byte> writeBuf, bool write)
    {
        int cs = _g.ClusterSize, bps = _g.BytesPerSector;
        int total = write ? writeBuf.Length : readBuf.Length;
        int done = 0;
        byte[]? scratch = null;
        try
        {
            while (done < total)
            {
                long pos = offset + done;
                uint ci = (uint)(pos / cs);
                int inCluster = (int)(pos % cs);
                var ext = node.Extents[node.FindExtent(ci)];
                if (ci >= ext.FileIndex + ext.Count) ThrowCorrupt("A file's cluster chain is shorter than its size.");
                long runBytes = (long)(ext.FileIndex + ext.Count - ci) * cs - inCluster;
                int chunk = (int)Math.Min(runBytes, total - done);
                long sector = _g.ClusterToSector(ext.First + (ci - ext.FileIndex)) + inCluster / bps;
                int inSector = inCluster % bps;
                if (inSector == 0 && chunk >= bps)
                {
                    int whole = chunk - chunk % bps;
                    if (write) _device.Write(sector, writeBuf.Slice(done, whole));
                    else _device.Read(sector, readBuf.Slice(done, whole));
                    done += whole;
                    continue;
                }
                // A partial sector: read-modify-write through scratch.
                scratch ??= ArrayPool<byte>.Shared.Rent(bps);
                var s = scratch.AsSpan(0, bps);
                int part = Math.Min(bps - inSector, chunk);
                _device.Read(sector, s);
                if (write)
                {
                    writeBuf.Slice(done, part).CopyTo(s[inSector..]);
                    _device.Write(sector, s);
                }
                else s.Slice(inSector, part).CopyTo(readBuf.Slice(done, part));
                done += part;
            }
        }
        finally
        {
            if (scratch != null) ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    internal void FlushFile(FatFileNode node)
    {
        WithWriteLock(() =>
        {
            if (IsReadOnly) return;
            if (_dirtyNodes.Contains(node)) StoreEntry(node);
            FlushFat();
            FlushDirs();
            _device.Flush();
        });
    }

    internal void CloseFile(FatFileNode node)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_disposed) return;
            if (_dirtyNodes.Contains(node)) StoreEntry(node);
            ReleaseNode(node);
        }
        catch (BlockDeviceException)
        {
            // Close must not throw for a failing device; the volume stays dirty and is repaired on the next open.
        }
        finally { _lock.ExitWriteLock(); }
    }

    private void ReleaseNode(FatFileNode node)
    {
        if (--node.Refs > 0) return;
        _openNodes.Remove(node);
        if (node.Dir != null && !IsReadOnly) CutChain(node, store: false);
        node.Entry.Node = null;
        if (node.Dir == null && node.Entry.FirstCluster != 0)
        {
            // Deleted while open: its clusters are freed now that nobody uses them.
            FreeChain(node.Entry.FirstCluster);
            FlushFat();
        }
    }
}
