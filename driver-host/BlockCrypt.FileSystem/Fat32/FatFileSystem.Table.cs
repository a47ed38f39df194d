using System.Runtime.InteropServices;

namespace BlockCrypt.FileSystem.Fat32;

public sealed partial class FatFileSystem
{
    /// <summary>Entries at or above this mark the end of a chain (fatgen103 §4: 0x0FFFFFF8..0x0FFFFFFF).</summary>
    internal const uint EndOfChain = 0x0FFFFFF8;
    internal const uint BadCluster = 0x0FFFFFF7;
    private const uint EocWrite = 0x0FFFFFFF;
    private const uint EntryMask = 0x0FFFFFFF;

    /// <summary>The active FAT, whole sectors of it (entries past the last cluster are kept as read).</summary>
    private uint[] _fat = [];
    private bool[] _fatSectorDirty = [];
    private readonly List<int> _dirtyFatSectors = [];
    private uint _freeCount;
    private uint _nextFree = 2;

    private int EntriesPerSector => _g.BytesPerSector / 4;

    private void LoadFat()
    {
        long bytes = _g.FatSectors * _g.BytesPerSector;
        if (bytes / 4 > Array.MaxLength) ThrowCorrupt("The FAT is too large to load.");
        _fat = new uint[bytes / 4];
        _fatSectorDirty = new bool[_g.FatSectors];
        int active = _g.Mirrored ? 0 : _g.ExtFlags & 0x0F;
        long first = _g.ReservedSectors + active * _g.FatSectors;
        var all = MemoryMarshal.AsBytes(_fat.AsSpan());
        int chunkSectors = Math.Max(1, (1 << 20) / _g.BytesPerSector);
        for (long s = 0; s < _g.FatSectors; s += chunkSectors)
        {
            int n = (int)Math.Min(chunkSectors, _g.FatSectors - s);
            _device.Read(first + s, all.Slice((int)(s * _g.BytesPerSector), n * _g.BytesPerSector));
        }
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < _fat.Length; i++) _fat[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(_fat[i]);
        uint free = 0;
        for (uint c = 2; c <= _g.MaxCluster; c++)
            if ((_fat[c] & EntryMask) == 0) free++;
        _freeCount = free;
        _nextFree = 2;
    }

    /// <summary>The 28-bit value of a FAT entry.</summary>
    internal uint Next(uint cluster) => _fat[cluster] & EntryMask;

    private void SetRaw(uint index, uint raw)
    {
        if (_fat[index] == raw) return;
        _fat[index] = raw;
        int sector = (int)(index / (uint)EntriesPerSector);
        if (!_fatSectorDirty[sector])
        {
            _fatSectorDirty[sector] = true;
            _dirtyFatSectors.Add(sector);
        }
    }

    /// <summary>Sets an entry's low 28 bits, keeping the reserved high 4 bits (fatgen103 §4).</summary>
    private void SetEntry(uint cluster, uint value)
    {
        uint old = _fat[cluster];
        bool wasFree = (old & EntryMask) == 0, isFree = value == 0;
        SetRaw(cluster, (old & ~EntryMask) | value);
        if (wasFree && !isFree) _freeCount--;
        else if (!wasFree && isFree) _freeCount++;
    }

    private bool IsValidCluster(uint c) => c >= 2 && c <= _g.MaxCluster;

    /// <summary>Writes the dirty FAT sectors to every FAT copy (first copy first), coalescing runs.</summary>
    private void FlushFat()
    {
        if (_dirtyFatSectors.Count == 0) return;
        _dirtyFatSectors.Sort();
        var bytes = MemoryMarshal.AsBytes(_fat.AsSpan());
        int bps = _g.BytesPerSector;
        for (int copy = 0; copy < _g.NumFats; copy++)
        {
            if (!_g.Mirrored && copy != (_g.ExtFlags & 0x0F)) continue;
            long baseSector = _g.ReservedSectors + copy * _g.FatSectors;
            int i = 0;
            while (i < _dirtyFatSectors.Count)
            {
                int start = _dirtyFatSectors[i], end = start + 1;
                while (i + 1 < _dirtyFatSectors.Count && _dirtyFatSectors[i + 1] == end) { i++; end++; }
                i++;
                _device.Write(baseSector + start, bytes.Slice(start * bps, (end - start) * bps));
            }
        }
        foreach (int s in _dirtyFatSectors) _fatSectorDirty[s] = false;
        _dirtyFatSectors.Clear();
    }

    /// <summary>
    /// Walks a chain into extents (runs of consecutive clusters). Stops after <paramref name="maxClusters"/>.
    /// </summary>
    /// <exception cref="FileSystemException">Corrupt: the chain loops, points outside the volume, at a free or bad cluster.</exception>
    internal List<FatExtent> ReadChain(uint first, long maxClusters = long.MaxValue)
    {
        var list = new List<FatExtent>();
        if (first == 0) return list;
        uint c = first;
        uint index = 0;
        long limit = _g.ClusterCount;
        while (true)
        {
            if (!IsValidCluster(c)) ThrowCorrupt($"A cluster chain points at cluster {c:X}, outside the volume.");
            if (index >= limit) ThrowCorrupt($"The cluster chain starting at {first} loops.");
            if (list.Count > 0 && list[^1].First + list[^1].Count == c)
                list[^1] = list[^1] with { Count = list[^1].Count + 1 };
            else
                list.Add(new FatExtent(c, 1, index));
            index++;
            if (index >= maxClusters) break;
            uint next = Next(c);
            if (next >= EndOfChain) break;
            if (next == 0) ThrowCorrupt($"Cluster {c} links to a free cluster.");
            if (next == BadCluster) ThrowCorrupt($"Cluster {c} links to a bad cluster.");
            c = next;
        }
        return list;
    }

    /// <summary>
    /// Allocates <paramref name="count"/> clusters as one chain (linked, last = end of chain), preferring a
    /// contiguous run at <paramref name="goal"/>, then any run long enough, then whatever is free.
    /// The FAT changes are only in memory until <see cref="FlushFat"/>.
    /// </summary>
    private List<FatExtent> Allocate(uint count, uint goal, uint fileIndex)
    {
        if (count > _freeCount)
            throw new FileSystemException(FileSystemError.NoSpace, "The volume is full.");
        var runs = new List<FatExtent>();
        uint max = _g.MaxCluster;
        if (!IsValidCluster(goal)) goal = _nextFree;
        if (!IsValidCluster(goal)) goal = 2;
        uint remaining = count;

        // 1. Contiguous run of the whole size at the goal (extending a file in place).
        // 2. First run anywhere (from the goal, wrapping) that holds everything.
        uint found = FindRun(goal, remaining);
        if (found != 0)
        {
            runs.Add(new FatExtent(found, remaining, fileIndex));
            remaining = 0;
        }
        // 3. Fragmented: take free clusters in order from the goal.
        uint c = goal;
        while (remaining > 0)
        {
            if ((_fat[c] & EntryMask) == 0)
            {
                uint start = c, len = 0;
                while (remaining > 0 && c <= max && (_fat[c] & EntryMask) == 0) { len++; remaining--; c++; }
                runs.Add(new FatExtent(start, len, fileIndex));
                fileIndex += len;
                // Mark now so the scan does not take them again after wrapping.
                for (uint k = start; k < start + len; k++) SetEntry(k, EocWrite);
                if (c > max) c = 2;
                continue;
            }
            c = c >= max ? 2 : c + 1;
        }
        // Link the runs into one chain.
        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            for (uint k = 0; k < run.Count; k++)
            {
                uint cl = run.First + k;
                uint next = k + 1 < run.Count ? cl + 1 : r + 1 < runs.Count ? runs[r + 1].First : EocWrite;
                SetEntry(cl, next);
            }
        }
        var last = runs[^1];
        _nextFree = last.First + last.Count > max ? 2 : last.First + last.Count;
        return runs;
    }

    /// <summary>Start of a free run of <paramref name="count"/> clusters (the goal first), or 0.</summary>
    private uint FindRun(uint goal, uint count)
    {
        uint max = _g.MaxCluster;
        uint c = goal;
        bool wrapped = false;
        while (true)
        {
            if (c > max)
            {
                if (wrapped) return 0;
                wrapped = true;
                c = 2;
            }
            if (wrapped && c >= goal) return 0;
            if ((_fat[c] & EntryMask) == 0)
            {
                uint start = c, len = 0;
                while (c <= max && len < count && (_fat[c] & EntryMask) == 0) { len++; c++; }
                if (len == count) return start;
            }
            else c++;
        }
    }

    /// <summary>Frees a chain from <paramref name="first"/> to its end (in memory until <see cref="FlushFat"/>).</summary>
    private void FreeChain(uint first)
    {
        uint c = first;
        long guard = 0;
        while (IsValidCluster(c) && guard++ <= _g.ClusterCount)
        {
            uint next = Next(c);
            if (next == 0) break;
            SetEntry(c, 0);
            if (c < _nextFree) _nextFree = c;
            if (next >= EndOfChain || next == BadCluster) break;
            c = next;
        }
    }
}

/// <summary>A run of consecutive clusters holding file clusters [FileIndex, FileIndex + Count).</summary>
internal readonly record struct FatExtent(uint First, uint Count, uint FileIndex);
