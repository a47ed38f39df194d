namespace BlockCrypt.FileSystem.Fat32;

/// <summary>
/// State shared by every open handle of one file: its directory entry and the extent map of its
/// cluster chain (the chain cache: sequential and random I/O never walk the FAT again).
/// </summary>
internal sealed class FatFileNode
{
    /// <summary>The directory holding the entry; null once the file was deleted while open.</summary>
    public FatDirectory? Dir;
    public FatDirEntry Entry;
    public List<FatExtent> Extents;
    public int Refs;
    /// <summary>Writes in flight (reserved, data not yet published); changed under the exclusive lock or the cache lock.</summary>
    public int PendingWrites;
    /// <summary>End of the furthest range reserved by the writes in flight (the size once they are all done).</summary>
    public long PendingEnd;
    /// <summary>
    /// Ranges inside the size (or reserved) that no write has filled yet: a write landed past the end while the writes
    /// before it were still on their way. They read as zeros and are zero-filled on disk before the entry is stored.
    /// </summary>
    public List<(long Start, long End)>? Holes;
    /// <summary>Holes.Count, readable without the cache lock.</summary>
    public int HoleCount;

    public FatFileNode(FatDirectory dir, FatDirEntry entry, List<FatExtent> extents)
    {
        Dir = dir;
        Entry = entry;
        Extents = extents;
    }

    /// <summary>Clusters in the chain.</summary>
    public uint ClusterCount => Extents.Count == 0 ? 0 : Extents[^1].FileIndex + Extents[^1].Count;

    public uint LastCluster => Extents[^1].First + Extents[^1].Count - 1;

    /// <summary>Index of the extent holding file cluster <paramref name="index"/> (binary search).</summary>
    public int FindExtent(uint index)
    {
        int lo = 0, hi = Extents.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (Extents[mid].FileIndex <= index) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>Appends runs to the extent map, merging with the last run when contiguous.</summary>
    public void Append(List<FatExtent> runs)
    {
        foreach (var r in runs)
        {
            if (Extents.Count > 0 && LastCluster + 1 == r.First)
                Extents[^1] = Extents[^1] with { Count = Extents[^1].Count + r.Count };
            else
                Extents.Add(r with { FileIndex = ClusterCount });
        }
    }

    /// <summary>Drops clusters past the first <paramref name="keep"/> from the map.</summary>
    public void TruncateMap(uint keep)
    {
        while (Extents.Count > 0 && Extents[^1].FileIndex >= keep) Extents.RemoveAt(Extents.Count - 1);
        if (Extents.Count > 0 && ClusterCount > keep)
            Extents[^1] = Extents[^1] with { Count = keep - Extents[^1].FileIndex };
    }
}
