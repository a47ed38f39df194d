using System.Buffers.Binary;

namespace BlockCrypt.FileSystem.Fat32;

/// <summary>
/// The FAT32 BIOS Parameter Block fields BlockCrypt uses (fatgen103 §3.1-3.3), parsed and checked from
/// a boot sector, or computed for a new volume.
/// </summary>
internal sealed class FatGeometry
{
    /// <summary>Fewest clusters a FAT32 volume may have (fatgen103 §3.5: fewer means FAT12/FAT16).</summary>
    public const uint MinClusters = 65525;
    /// <summary>Most clusters: entries are 28 bits and 0x0FFFFFF7 upward are reserved (fatgen103 §4).</summary>
    public const uint MaxClusters = 0x0FFFFFF5 - 1;

    public int BytesPerSector;
    public int SectorsPerCluster;
    public int ReservedSectors;
    public int NumFats;
    public long TotalSectors;
    public long FatSectors;
    public uint RootCluster;
    public int FsInfoSector;
    public int BackupBootSector;
    public uint Serial;
    public string BootLabel = "";
    public ushort ExtFlags;

    public int ClusterSize => BytesPerSector * SectorsPerCluster;
    public long FirstDataSector => ReservedSectors + NumFats * FatSectors;
    public uint ClusterCount => (uint)((TotalSectors - FirstDataSector) / SectorsPerCluster);
    /// <summary>Highest valid cluster number.</summary>
    public uint MaxCluster => ClusterCount + 1;
    public long ClusterToSector(uint cluster) => FirstDataSector + (long)(cluster - 2) * SectorsPerCluster;

    /// <summary>The FAT copy that is live (fatgen103 §3.3 BPB_ExtFlags: bit 7 set = only one FAT is active).</summary>
    public bool Mirrored => (ExtFlags & 0x80) == 0;

    private static FileSystemException Corrupt(string why) => new(FileSystemError.Corrupt, "Not a valid FAT32 volume: " + why);

    /// <summary>Parses and validates sector 0 against a device of <paramref name="deviceSectors"/> sectors of <paramref name="deviceSectorSize"/> bytes.</summary>
    public static FatGeometry Parse(ReadOnlySpan<byte> bs, int deviceSectorSize, long deviceSectors)
    {
        if (bs.Length < 512) throw Corrupt("boot sector too short.");
        if (bs[0] != 0xEB && bs[0] != 0xE9) throw Corrupt("no jump instruction in the boot sector.");
        if (bs[510] != 0x55 || bs[511] != 0xAA) throw Corrupt("boot sector signature 0x55AA missing.");
        var g = new FatGeometry
        {
            BytesPerSector = BinaryPrimitives.ReadUInt16LittleEndian(bs[11..]),
            SectorsPerCluster = bs[13],
            ReservedSectors = BinaryPrimitives.ReadUInt16LittleEndian(bs[14..]),
            NumFats = bs[16],
        };
        int rootEntries = BinaryPrimitives.ReadUInt16LittleEndian(bs[17..]);
        uint tot16 = BinaryPrimitives.ReadUInt16LittleEndian(bs[19..]);
        uint fat16 = BinaryPrimitives.ReadUInt16LittleEndian(bs[22..]);
        uint tot32 = BinaryPrimitives.ReadUInt32LittleEndian(bs[32..]);
        g.FatSectors = BinaryPrimitives.ReadUInt32LittleEndian(bs[36..]);
        g.ExtFlags = BinaryPrimitives.ReadUInt16LittleEndian(bs[40..]);
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bs[42..]);
        g.RootCluster = BinaryPrimitives.ReadUInt32LittleEndian(bs[44..]);
        g.FsInfoSector = BinaryPrimitives.ReadUInt16LittleEndian(bs[48..]);
        g.BackupBootSector = BinaryPrimitives.ReadUInt16LittleEndian(bs[50..]);
        g.TotalSectors = tot16 != 0 ? tot16 : tot32;
        if (bs[66] == 0x29)
        {
            g.Serial = BinaryPrimitives.ReadUInt32LittleEndian(bs[67..]);
            g.BootLabel = System.Text.Encoding.ASCII.GetString(bs.Slice(71, 11)).TrimEnd(' ', '\0');
        }

        if (g.BytesPerSector is < 512 or > 4096 || (g.BytesPerSector & (g.BytesPerSector - 1)) != 0)
            throw Corrupt($"bytes per sector {g.BytesPerSector}.");
        if (g.BytesPerSector != deviceSectorSize)
            throw Corrupt($"the volume uses {g.BytesPerSector}-byte sectors but the device has {deviceSectorSize}-byte sectors.");
        if (g.SectorsPerCluster == 0 || (g.SectorsPerCluster & (g.SectorsPerCluster - 1)) != 0 || g.ClusterSize > 65536)
            throw Corrupt($"sectors per cluster {g.SectorsPerCluster}.");
        if (g.ReservedSectors < 1) throw Corrupt("no reserved sectors.");
        if (g.NumFats is < 1 or > 2) throw Corrupt($"{g.NumFats} FAT copies.");
        if (rootEntries != 0 || fat16 != 0 || g.FatSectors == 0) throw Corrupt("not FAT32 (FAT12/16 BPB fields are set).");
        if (version != 0) throw Corrupt($"unknown FAT32 version {version:X4}.");
        if (g.TotalSectors <= g.FirstDataSector + g.SectorsPerCluster) throw Corrupt("total sectors smaller than the metadata.");
        if (g.TotalSectors > deviceSectors) throw Corrupt($"the volume has {g.TotalSectors} sectors but the device only {deviceSectors}.");
        if (g.ClusterCount > MaxClusters) throw Corrupt("too many clusters.");
        if ((long)(g.ClusterCount + 2) * 4 > g.FatSectors * g.BytesPerSector) throw Corrupt("the FAT is too small for the cluster count.");
        if (g.RootCluster < 2 || g.RootCluster > g.MaxCluster) throw Corrupt($"root cluster {g.RootCluster} outside the volume.");
        if (!g.Mirrored && (g.ExtFlags & 0x0F) >= g.NumFats) throw Corrupt("active FAT number out of range.");
        return g;
    }

    /// <summary>Writes the boot sector for this geometry (fatgen103 §3.1, §3.3).</summary>
    public void WriteBootSector(Span<byte> bs, string bootLabel)
    {
        bs.Clear();
        bs[0] = 0xEB; bs[1] = 0x58; bs[2] = 0x90;
        "BLKCRYPT"u8.CopyTo(bs[3..]);
        BinaryPrimitives.WriteUInt16LittleEndian(bs[11..], (ushort)BytesPerSector);
        bs[13] = (byte)SectorsPerCluster;
        BinaryPrimitives.WriteUInt16LittleEndian(bs[14..], (ushort)ReservedSectors);
        bs[16] = (byte)NumFats;
        bs[21] = 0xF8; // media: fixed disk
        BinaryPrimitives.WriteUInt16LittleEndian(bs[24..], 63);  // sectors per track (legacy CHS)
        BinaryPrimitives.WriteUInt16LittleEndian(bs[26..], 255); // heads (legacy CHS)
        BinaryPrimitives.WriteUInt32LittleEndian(bs[32..], (uint)TotalSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(bs[36..], (uint)FatSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(bs[44..], RootCluster);
        BinaryPrimitives.WriteUInt16LittleEndian(bs[48..], (ushort)FsInfoSector);
        BinaryPrimitives.WriteUInt16LittleEndian(bs[50..], (ushort)BackupBootSector);
        bs[64] = 0x80; // drive number
        bs[66] = 0x29; // extended boot signature: serial, label and type follow
        BinaryPrimitives.WriteUInt32LittleEndian(bs[67..], Serial);
        for (int i = 0; i < 11; i++) bs[71 + i] = i < bootLabel.Length ? (byte)bootLabel[i] : (byte)' ';
        "FAT32   "u8.CopyTo(bs[82..]);
        // Boot code: "int 0x18" (no bootable OS here) followed by a halt loop.
        bs[90] = 0xCD; bs[91] = 0x18; bs[92] = 0xEB; bs[93] = 0xFE;
        bs[510] = 0x55; bs[511] = 0xAA;
    }
}
