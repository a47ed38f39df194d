using System.Buffers.Binary;
using BlockCrypt.Storage;

namespace BlockCrypt.FileSystem.Fat32;

public sealed partial class FatFileSystem
{
    /// <summary>Reserved sectors before the first FAT (mkfs.fat's FAT32 default), raised to align the data area.</summary>
    private const int DefaultReservedSectors = 32;

    /// <summary>
    /// Writes a new, empty FAT32 volume over the whole device: boot sector (and backup at sector 6), FSInfo
    /// (sector 1, backup at 7), two FATs and an empty root directory (with the label entry when a label is
    /// given). The FAT logical sector size is the device's sector size.
    /// </summary>
    /// <remarks>
    /// Size limits: a FAT32 volume needs at least 65,525 clusters (fatgen103 §3.5; mtools refuses fewer). With
    /// 512-byte sectors and 512-byte clusters that is about 32.5 MiB (<see cref="MinimumBytes"/>); with 4096-byte device sectors the smallest
    /// cluster is 4 KiB, so the minimum is about 257 MiB. The maximum is 2^32 - 1 sectors (2 TiB with 512-byte
    /// sectors, 16 TiB with 4 KiB sectors) and at most 268,435,444 clusters.
    /// </remarks>
    /// <exception cref="FileSystemException">InvalidArgument: the device is too small or too large, or an option is invalid; IoError.</exception>
    public static void Format(IBlockDevice device, FatFormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        options ??= new FatFormatOptions();
        if (device.IsReadOnly) throw new FileSystemException(FileSystemError.ReadOnly, "The device is read-only.");
        string label = NormaliseLabel(options.Label);
        var g = ComputeGeometry(device.SectorSize, device.SectorCount, options.ClusterSize);
        g.Serial = options.SerialNumber ?? (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        try
        {
            WriteNewVolume(device, g, label);
        }
        catch (BlockDeviceException e)
        {
            throw new FileSystemException(FileSystemError.IoError, "Writing the new volume failed: " + e.Message, e);
        }
    }

    private static FileSystemException Invalid(string message) => new(FileSystemError.InvalidArgument, message);

    private static string NormaliseLabel(string? label)
    {
        if (string.IsNullOrEmpty(label)) return "";
        string upper = label.ToUpperInvariant();
        if (upper.Length > 11) throw Invalid($"A FAT volume label has at most 11 characters ('{label}' has {label.Length}).");
        foreach (char c in upper)
        {
            bool ok = c is >= 'A' and <= 'Z' or >= '0' and <= '9' or ' ' ||
                      c is '$' or '%' or '\'' or '-' or '_' or '@' or '~' or '`' or '!' or '(' or ')' or '{' or '}' or '^' or '#' or '&';
            if (!ok) throw Invalid($"The volume label '{label}' contains '{c}', which a FAT label cannot hold.");
        }
        if (upper[0] == ' ') throw Invalid("A volume label cannot start with a space.");
        return upper.TrimEnd(' ');
    }

    /// <summary>
    /// Chooses the cluster size (fatgen103 §3.5's FAT32 table, as mkfs.fat uses it) and sizes the FATs.
    /// </summary>
    internal static FatGeometry ComputeGeometry(int sectorSize, long deviceSectors, int? clusterSize)
    {
        if (sectorSize is < 512 or > 4096)
            throw Invalid($"FAT32 needs 512- to 4096-byte sectors; the device has {sectorSize}-byte sectors.");
        long totalSectors = deviceSectors;
        if (totalSectors > uint.MaxValue)
            throw Invalid($"The device has {deviceSectors} sectors; FAT32 addresses at most {uint.MaxValue} ({(long)uint.MaxValue * sectorSize >> 30} GiB with {sectorSize}-byte sectors).");
        long bytes = totalSectors * sectorSize;
        int chosen;
        if (clusterSize is { } cs)
        {
            if (cs < sectorSize || cs > 65536 || (cs & (cs - 1)) != 0)
                throw Invalid($"The cluster size must be a power of two from the sector size ({sectorSize}) to 65536; {cs} was given.");
            chosen = cs;
        }
        else
        {
            const long MiB = 1 << 20;
            chosen = bytes < 260 * MiB ? 512 : bytes < 8192 * MiB ? 4096 : bytes < 16384 * MiB ? 8192 : bytes < 32768 * MiB ? 16384 : 32768;
            chosen = Math.Max(chosen, sectorSize);
        }
        while (true)
        {
            var g = Layout(sectorSize, totalSectors, chosen);
            if (g.ClusterCount > FatGeometry.MaxClusters)
            {
                if (clusterSize == null && chosen < 65536) { chosen *= 2; continue; }
                throw Invalid($"The device is too large for FAT32 with {chosen}-byte clusters ({g.ClusterCount} clusters; at most {FatGeometry.MaxClusters}).");
            }
            if (g.ClusterCount < FatGeometry.MinClusters)
            {
                if (clusterSize == null && chosen > sectorSize) { chosen /= 2; continue; }
                long min = MinimumBytes(sectorSize, chosen);
                throw Invalid($"The device ({bytes} bytes) is too small for FAT32: it needs at least {FatGeometry.MinClusters} clusters, " +
                              $"that is {min} bytes ({min / (1 << 20)} MiB) with {chosen}-byte clusters on {sectorSize}-byte sectors.");
            }
            return g;
        }
    }

    /// <summary>The smallest device, in bytes, that gives a valid FAT32 volume with the given sizes.</summary>
    public static long MinimumBytes(int sectorSize, int clusterSize)
    {
        long lo = 1, hi = (long)(FatGeometry.MinClusters + 1000) * (clusterSize / sectorSize) * 2 + 100_000;
        while (lo < hi)
        {
            long mid = (lo + hi) / 2;
            if (Layout(sectorSize, mid, clusterSize).ClusterCount >= FatGeometry.MinClusters) hi = mid; else lo = mid + 1;
        }
        return lo * sectorSize;
    }

    private static FatGeometry Layout(int sectorSize, long totalSectors, int clusterSize)
    {
        int spc = clusterSize / sectorSize;
        var g = new FatGeometry
        {
            BytesPerSector = sectorSize, SectorsPerCluster = spc, NumFats = 2, TotalSectors = totalSectors,
            RootCluster = 2, FsInfoSector = 1, BackupBootSector = 6, ReservedSectors = DefaultReservedSectors,
        };
        // FAT size: enough 4-byte entries for every cluster plus the two reserved ones, iterated to a fixed point.
        long fat = 1;
        for (int i = 0; i < 64; i++)
        {
            long dataSectors = totalSectors - g.ReservedSectors - 2 * fat;
            long clusters = Math.Max(0, dataSectors / spc);
            long need = ((clusters + 2) * 4 + sectorSize - 1) / sectorSize;
            if (need <= fat) break;
            fat = need;
        }
        g.FatSectors = fat;
        // Align the data area to the cluster size (as mkfs.fat does) by growing the reserved area.
        long rem = (g.ReservedSectors + 2 * fat) % spc;
        if (rem != 0 && g.ReservedSectors + spc - rem <= ushort.MaxValue) g.ReservedSectors += (int)(spc - rem);
        if (totalSectors <= g.FirstDataSector) g.FatSectors = Math.Max(1, g.FatSectors);
        return g;
    }

    private static void WriteNewVolume(IBlockDevice device, FatGeometry g, string label)
    {
        int bps = g.BytesPerSector;
        // Reserved area and both FATs start zeroed.
        ZeroSectors(device, 0, g.FirstDataSector);
        var bs = new byte[bps];
        g.WriteBootSector(bs, label.Length == 0 ? "NO NAME" : label);
        device.Write(0, bs);
        device.Write(g.BackupBootSector, bs);

        // FAT[0] = media in the low byte, FAT[1] = end of chain with the clean and no-error bits (fatgen103 §4),
        // FAT[2] = the root directory's one-cluster chain.
        var fatStart = new byte[bps];
        BinaryPrimitives.WriteUInt32LittleEndian(fatStart, 0x0FFFFFF8);
        BinaryPrimitives.WriteUInt32LittleEndian(fatStart.AsSpan(4), 0x0FFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(fatStart.AsSpan(8), 0x0FFFFFFF);
        for (int copy = 0; copy < g.NumFats; copy++) device.Write(g.ReservedSectors + copy * g.FatSectors, fatStart);

        var root = new byte[g.ClusterSize];
        if (label.Length > 0)
        {
            var e = new FatDirEntry { Attr = FatDirectory.AttrVolumeId };
            e.Touch(DateTime.UtcNow, true, true, true);
            for (int i = 0; i < 11; i++) e.ShortName[i] = i < label.Length ? (byte)label[i] : (byte)' ';
            FatDirectory.WriteShortFields(e, root.AsSpan(0, 32));
        }
        device.Write(g.ClusterToSector(2), root);

        var info = new byte[bps];
        BinaryPrimitives.WriteUInt32LittleEndian(info, 0x41615252);
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(484), 0x61417272);
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(488), g.ClusterCount - 1);
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(492), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(508), 0xAA550000);
        device.Write(g.FsInfoSector, info);
        device.Write(g.BackupBootSector + g.FsInfoSector, info);
        device.Flush();
    }

    private static void ZeroSectors(IBlockDevice device, long first, long count)
    {
        int per = s_zeros.Length / device.SectorSize;
        while (count > 0)
        {
            int n = (int)Math.Min(per, count);
            device.Write(first, s_zeros.AsSpan(0, n * device.SectorSize));
            first += n; count -= n;
        }
    }
}
