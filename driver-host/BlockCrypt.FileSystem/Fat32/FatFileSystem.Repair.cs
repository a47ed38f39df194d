using System.Collections;

namespace BlockCrypt.FileSystem.Fat32;

public sealed partial class FatFileSystem
{
    /// <summary>Number of lost clusters the last repair (opening a dirty volume) freed.</summary>
    public long ReclaimedClusters { get; private set; }

    /// <summary>
    /// Runs when a volume is opened writable without the clean-shutdown bit: walks every directory and chain
    /// from the root, trims chains longer than their file's size (an extension or truncation was interrupted),
    /// shortens sizes that run past their chain, frees every allocated cluster nothing reaches (lost clusters),
    /// and rewrites all FAT copies from the first so they agree again.
    /// </summary>
    private void Repair()
    {
        var reached = new BitArray((int)_g.MaxCluster + 1);
        var pending = new Stack<uint>();
        pending.Push(_g.RootCluster);
        MarkChain(_g.RootCluster, reached, long.MaxValue, null);
        while (pending.Count > 0)
        {
            var dir = GetDirectory(pending.Pop());
            foreach (var e in dir.ByName.Values.Concat(dir.Shadowed).ToList())
            {
                if (e.IsDirectory)
                {
                    if (reached[(int)e.FirstCluster]) ThrowCorrupt($"Directory '{e.Name}' shares clusters with another entry.");
                    MarkChain(e.FirstCluster, reached, long.MaxValue, null);
                    pending.Push(e.FirstCluster);
                    continue;
                }
                if (e.FirstCluster == 0) continue;
                long need = ((long)e.Size + _g.ClusterSize - 1) / _g.ClusterSize;
                long have = MarkChain(e.FirstCluster, reached, Math.Max(need, 1), e);
                if (need == 0)
                {
                    // An empty file keeps no clusters (its chain becomes lost and is freed below).
                    reached[(int)e.FirstCluster] = false;
                    e.FirstCluster = 0;
                    dir.Store(e, _g.BytesPerSector);
                    MarkDirty(dir);
                }
                else if (have < need)
                {
                    e.Size = (uint)(have * _g.ClusterSize);
                    dir.Store(e, _g.BytesPerSector);
                    MarkDirty(dir);
                }
            }
        }
        // Chains cut at their file's size reach the disk before their tails are freed.
        FlushFat();
        FlushDirs();
        long freed = 0;
        for (uint c = 2; c <= _g.MaxCluster; c++)
        {
            if (!reached[(int)c] && Next(c) != 0 && Next(c) != BadCluster)
            {
                SetEntry(c, 0);
                freed++;
            }
        }
        ReclaimedClusters = freed;
        _nextFree = 2;
        // Every FAT copy is rewritten from the active one (an interrupted update may have reached only the first).
        for (int s = 0; s < _g.FatSectors; s++)
        {
            if (!_fatSectorDirty[s]) { _fatSectorDirty[s] = true; _dirtyFatSectors.Add(s); }
        }
        FlushFat();
    }

    /// <summary>
    /// Marks up to <paramref name="max"/> clusters of a chain as reached; when a file's chain is longer, it is cut
    /// there (the rest stays unmarked and is freed as lost). Returns the clusters kept.
    /// </summary>
    private long MarkChain(uint first, BitArray reached, long max, FatDirEntry? file)
    {
        uint c = first;
        long n = 0;
        while (true)
        {
            if (!IsValidCluster(c)) ThrowCorrupt($"A chain points at cluster {c:X}, outside the volume.");
            if (reached[(int)c]) ThrowCorrupt($"Cluster {c} is used twice (cross-linked or looping chain).");
            reached[(int)c] = true;
            n++;
            uint next = Next(c);
            if (next >= EndOfChain) return n;
            if (next == 0 || next == BadCluster) ThrowCorrupt($"Cluster {c} links to a free or bad cluster.");
            if (file != null && n >= max)
            {
                SetEntry(c, EocWrite);
                return n;
            }
            c = next;
        }
    }
}
