namespace BlockCrypt.FileSystem.Fat32;

public sealed partial class FatFileSystem
{
    /// <summary>Returns the cached directory whose chain starts at <paramref name="firstCluster"/>, loading it once.</summary>
    private FatDirectory GetDirectory(uint firstCluster, bool isRoot = false)
    {
        if (_dirs.TryGetValue(firstCluster, out var dir)) return dir;
        if (!IsValidCluster(firstCluster)) ThrowCorrupt($"A directory starts at cluster {firstCluster:X}, outside the volume.");
        long maxClusters = (long)FatDirectory.MaxSlots * 32 / _g.ClusterSize;
        var chain = ReadChain(firstCluster, maxClusters + 1);
        long clusters = chain.Sum(e => (long)e.Count);
        if (clusters > Math.Max(1, maxClusters)) ThrowCorrupt("A directory is longer than the 65,536 entries FAT allows.");
        dir = new FatDirectory { FirstCluster = firstCluster, IsRoot = isRoot || firstCluster == _g.RootCluster };
        dir.Data = new byte[clusters * _g.ClusterSize];
        foreach (var run in chain)
        {
            for (uint k = 0; k < run.Count; k++) dir.Clusters.Add(run.First + k);
            _device.Read(_g.ClusterToSector(run.First),
                dir.Data.AsSpan((int)(run.FileIndex * (long)_g.ClusterSize), (int)(run.Count * (long)_g.ClusterSize)));
        }
        dir.Parse();
        foreach (var e in dir.ByName.Values)
        {
            if (e.IsDirectory ? !IsValidCluster(e.FirstCluster) : e.FirstCluster != 0 && !IsValidCluster(e.FirstCluster))
                ThrowCorrupt($"'{e.Name}' starts at cluster {e.FirstCluster:X}, outside the volume.");
            if (!e.IsDirectory && e.Size > 0 && e.FirstCluster == 0)
                ThrowCorrupt($"'{e.Name}' has {e.Size} bytes but no clusters.");
            if (!e.IsDirectory && (long)e.Size > (long)_g.ClusterCount * _g.ClusterSize)
                ThrowCorrupt($"'{e.Name}' claims {e.Size} bytes, more than the volume holds.");
        }
        _dirs[firstCluster] = dir;
        return dir;
    }

    /// <summary>Writes every dirty directory sector.</summary>
    private void FlushDirs()
    {
        if (_dirtyDirs.Count == 0) return;
        int bps = _g.BytesPerSector;
        int spc = _g.SectorsPerCluster;
        foreach (var dir in _dirtyDirs)
        {
            foreach (int s in dir.DirtySectors)
            {
                uint cluster = dir.Clusters[s / spc];
                _device.Write(_g.ClusterToSector(cluster) + s % spc, dir.Data.AsSpan(s * bps, bps));
            }
            dir.DirtySectors.Clear();
        }
        _dirtyDirs.Clear();
    }

    private void MarkDirty(FatDirectory dir) => _dirtyDirs.Add(dir);

    /// <summary>Adds one zeroed cluster to a directory (written and linked before any entry uses it).</summary>
    private void GrowDirectory(FatDirectory dir)
    {
        if (dir.SlotCount + _g.ClusterSize / 32 > FatDirectory.MaxSlots)
            throw new FileSystemException(FileSystemError.NoSpace, "The directory already holds the 65,536 entries FAT allows.");
        uint last = dir.Clusters[^1];
        var run = Allocate(1, last + 1, 0);
        uint c = run[0].First;
        ZeroClusters(c, 1);
        FlushFat();
        SetEntry(last, c); // linked only once the new cluster is allocated on disk
        FlushFat();
        dir.Clusters.Add(c);
        var grown = new byte[dir.Data.Length + _g.ClusterSize];
        dir.Data.CopyTo(grown, 0);
        dir.Data = grown;
    }

    private static readonly byte[] s_zeros = new byte[1 << 16];

    private void ZeroClusters(uint first, uint count)
    {
        long sector = _g.ClusterToSector(first);
        long total = (long)count * _g.SectorsPerCluster;
        int per = s_zeros.Length / _g.BytesPerSector;
        while (total > 0)
        {
            int n = (int)Math.Min(per, total);
            _device.Write(sector, s_zeros.AsSpan(0, n * _g.BytesPerSector));
            sector += n; total -= n;
        }
    }

    /// <summary>
    /// Creates a new entry named <paramref name="name"/> in <paramref name="dir"/>: chooses the short name,
    /// finds (or makes) free slots and writes them into the cached bytes (flushed by the caller).
    /// </summary>
    private FatDirEntry AddEntry(FatDirectory dir, string name, FatDirEntry template)
    {
        var entry = template;
        entry.Name = name;
        Span<byte> sn = stackalloc byte[11];
        bool withLfn;
        if (FatNames.TryExactShortName(name, sn) && !dir.ByShort.ContainsKey(System.Text.Encoding.Latin1.GetString(sn)))
            withLfn = false;
        else
        {
            FatNames.Generate(name, s => dir.ByShort.ContainsKey(s), sn);
            withLfn = true;
        }
        sn.CopyTo(entry.ShortName);
        entry.NtFlags = 0;
        int needed = (withLfn ? FatNames.LongSlots(name) : 0) + 1;
        int slot;
        while ((slot = dir.FindFreeSlots(needed, _g.BytesPerSector)) < 0) GrowDirectory(dir);
        dir.Add(entry, slot, withLfn, _g.BytesPerSector);
        MarkDirty(dir);
        return entry;
    }

    /// <summary>Splits a path into components ('/' or '\', empty parts ignored).</summary>
    private static string[] Split(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Resolves every component but the last; returns the parent directory and the chain of directory clusters walked.</summary>
    private FatDirectory ResolveParent(string[] parts, List<uint>? walked = null)
    {
        var dir = GetDirectory(_g.RootCluster, isRoot: true);
        walked?.Add(dir.FirstCluster);
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var e = dir.Find(parts[i]) ?? throw new FileSystemException(FileSystemError.NotFound, $"'{parts[i]}' does not exist.");
            if (!e.IsDirectory) throw new FileSystemException(FileSystemError.NotADirectory, $"'{parts[i]}' is not a directory.");
            dir = GetDirectory(e.FirstCluster);
            walked?.Add(dir.FirstCluster);
        }
        return dir;
    }

    private FatDirectory ResolveDirectory(string path)
    {
        var parts = Split(path);
        if (parts.Length == 0) return GetDirectory(_g.RootCluster, isRoot: true);
        var parent = ResolveParent(parts);
        var e = parent.Find(parts[^1]) ?? throw new FileSystemException(FileSystemError.NotFound, $"'{path}' does not exist.");
        if (!e.IsDirectory) throw new FileSystemException(FileSystemError.NotADirectory, $"'{path}' is not a directory.");
        return GetDirectory(e.FirstCluster);
    }

    private (FatDirectory Parent, FatDirEntry Entry) ResolveEntry(string path)
    {
        var parts = Split(path);
        if (parts.Length == 0) throw new FileSystemException(FileSystemError.InvalidArgument, "The root directory has no entry.");
        var parent = ResolveParent(parts);
        var e = parent.Find(parts[^1]) ?? throw new FileSystemException(FileSystemError.NotFound, $"'{path}' does not exist.");
        return (parent, e);
    }
}
