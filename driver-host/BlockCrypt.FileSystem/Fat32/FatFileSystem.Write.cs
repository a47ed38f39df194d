using System.Diagnostics;
using BlockCrypt.Storage;

namespace BlockCrypt.FileSystem.Fat32;

// The file write path. Writes of whole sectors move their data under the shared lock, so several writes (and reads)
// run at once and a slow device (encryption) no longer serialises every request; only cluster allocation, and writes
// with partial sectors, take the exclusive lock. The entry's size is published once no write on the file is in flight.
public sealed partial class FatFileSystem
{
    internal void WriteFile(FatFileNode node, long offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        long end = offset + data.Length;
        if (end > MaxFileSize)
            throw new FileSystemException(FileSystemError.FileTooLarge, $"FAT32 files are limited to 4 GiB - 1 bytes; the write would end at {end}.");

        int bps = _g.BytesPerSector;
        if (offset % bps == 0 && end % bps == 0)
        {
            while (true)
            {
                _lock.EnterReadLock();
                try
                {
                    ThrowIfDisposed();
                    if (TryReserveShared(node, offset, end))
                    {
                        WriteReserved(node, offset, data);
                        return;
                    }
                }
                catch (BlockDeviceException ex) { throw IoError(ex); }
                finally { _lock.ExitReadLock(); }

                // The clusters are not there yet: allocate under the exclusive lock, then reserve again (a truncate
                // in between sends the write round once more).
                _lock.EnterWriteLock();
                try
                {
                    ThrowIfDisposed();
                    // Allocation reaches the FAT (both copies) before the data and before the entry's size (crash order).
                    EnsureClusters(node, end);
                }
                catch (BlockDeviceException ex) { throw IoError(ex); }
                finally { _lock.ExitWriteLock(); }
            }
        }

        // Sector edges to read, modify and write: all under the exclusive lock.
        _lock.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            // The write lock waited for every shared holder, and a reservation never outlives its holder's lock, so no
            // write is in flight and the entry's size covers everything written.
            Debug.Assert(node.PendingWrites == 0);
            long old = node.Entry.Size;
            EnsureClusters(node, end);
            if (offset > old) AddHole(node, old, offset);
            node.PendingWrites = 1;
            node.PendingEnd = Math.Max(old, end);
            WriteReserved(node, offset, data);
        }
        catch (BlockDeviceException ex) { throw IoError(ex); }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>
    /// Under the shared lock: reserves [offset, end) for a write whose clusters are already allocated and whose ends fall
    /// on sector boundaries (no read-modify-write that a concurrent writer of the same sector could undo). A range past
    /// the end of what is written or being written leaves a hole: requests of one sequential stream arrive out of order
    /// on several threads, and the earlier ones usually fill it a moment later, so it is not zero-filled now.
    /// </summary>
    private bool TryReserveShared(FatFileNode node, long offset, long end)
    {
        // The extent map changes only under the exclusive lock.
        if (end > (long)node.ClusterCount * _g.ClusterSize) return false;
        lock (_cacheLock)
        {
            long written = node.PendingWrites > 0 ? Math.Max(node.Entry.Size, node.PendingEnd) : node.Entry.Size;
            if (offset > written) AddHole(node, written, offset);
            node.PendingWrites++;
            node.PendingEnd = Math.Max(written, end);
            return true;
        }
    }

    /// <summary>
    /// Writes reserved data, then publishes: the entry's size grows to cover every reserved range once the last write in
    /// flight on the file is done, so readers never see bytes that are not written yet. The entry itself reaches the disk
    /// at flush or close, after the data (crash order).
    /// </summary>
    private void WriteReserved(FatFileNode node, long offset, ReadOnlySpan<byte> data)
    {
        bool written = false;
        try
        {
            DataIo(node, offset, default, data, write: true);
            written = true;
        }
        finally
        {
            // Entry fields are changed under the shared lock only with the cache lock held (Stat reads them under it).
            lock (_cacheLock)
            {
                var e = node.Entry;
                long end = offset + data.Length;
                if (written)
                {
                    e.Touch(DateTime.UtcNow, false, true, false);
                    e.Attr |= FatDirectory.AttrArchive;
                    if (node.HoleCount > 0) TrimHoles(node, offset, end);
                }
                // A failed device write leaves its range unknown: it becomes a hole (zeros), and the caller gets the error.
                else AddHole(node, offset, end);
                if (--node.PendingWrites == 0)
                {
                    if (node.PendingEnd > e.Size) e.Size = (uint)node.PendingEnd;
                    node.PendingEnd = 0;
                }
                if (node.Dir != null) _dirtyNodes.Add(node);
            }
        }
    }

    private static void AddHole(FatFileNode node, long start, long end)
    {
        if (start >= end) return;
        (node.Holes ??= []).Add((start, end));
        Volatile.Write(ref node.HoleCount, node.Holes.Count);
    }

    /// <summary>Removes [start, end) from the holes (it now holds data).</summary>
    private static void TrimHoles(FatFileNode node, long start, long end)
    {
        var holes = node.Holes!;
        for (int i = holes.Count - 1; i >= 0; i--)
        {
            var (hs, he) = holes[i];
            if (he <= start || hs >= end) continue;
            holes.RemoveAt(i);
            if (hs < start) holes.Add((hs, start));
            if (he > end) holes.Add((end, he));
        }
        Volatile.Write(ref node.HoleCount, holes.Count);
    }

    /// <summary>Under the exclusive lock: writes zeros into every hole (before the entry's size reaches the disk).</summary>
    private void FillHoles(FatFileNode node)
    {
        if (node.HoleCount == 0) return;
        var holes = node.Holes!;
        while (holes.Count > 0)
        {
            var (hs, he) = holes[^1];
            long size = node.Entry.Size;
            if (hs < size) ZeroRange(node, hs, Math.Min(he, size));
            holes.RemoveAt(holes.Count - 1);
        }
        Volatile.Write(ref node.HoleCount, 0);
    }

    /// <summary>Under the shared lock, after reading [offset, offset + buffer.Length): clears what lies in holes.</summary>
    private void MaskHoles(FatFileNode node, long offset, Span<byte> buffer, List<(long, long)>? snapshot)
    {
        if (snapshot is null) return;
        long end = offset + buffer.Length;
        foreach (var (hs, he) in snapshot)
        {
            long s = Math.Max(hs, offset), t = Math.Min(he, end);
            if (s < t) buffer.Slice((int)(s - offset), (int)(t - s)).Clear();
        }
    }
}
