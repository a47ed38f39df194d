using System.Buffers.Binary;

namespace BlockCrypt.FileSystem.Fat32;

/// <summary>One parsed directory entry (a short entry plus its long-name slots, spec §6 and §7).</summary>
internal sealed class FatDirEntry
{
    public string Name = "";
    public readonly byte[] ShortName = new byte[11];
    public string ShortDisplay = "";
    /// <summary>First slot (the first LFN slot, or the short slot when there is no long name).</summary>
    public int FirstSlot;
    /// <summary>Slot of the short (8.3) entry.</summary>
    public int ShortSlot;
    public byte Attr;
    public byte NtFlags;
    public uint FirstCluster;
    public uint Size;
    public byte CrtTenth;
    public ushort CrtTime, CrtDate, AccDate, WrtTime, WrtDate;
    /// <summary>The open-file state while at least one handle is open.</summary>
    public FatFileNode? Node;

    public bool IsDirectory => (Attr & FatDirectory.AttrDirectory) != 0;

    public FileEntry ToFileEntry()
    {
        var attrs = (FileAttributes)(Attr & 0x37);
        if (attrs == 0) attrs = FileAttributes.Normal;
        return new FileEntry(Name, IsDirectory, IsDirectory ? 0 : Size, attrs,
            FatTime.Decode(CrtDate, CrtTime, CrtTenth), FatTime.Decode(WrtDate, WrtTime), FatTime.Decode(AccDate, 0),
            ShortDisplay);
    }

    public void Touch(DateTime now, bool created, bool modified, bool accessed)
    {
        var (d, t, tenth) = FatTime.Encode(now);
        if (created) { CrtDate = d; CrtTime = t; CrtTenth = tenth; }
        if (modified) { WrtDate = d; WrtTime = t; }
        if (accessed) AccDate = d;
    }
}

/// <summary>
/// A directory held in memory: its cluster chain, raw bytes and an index of its entries by long and short
/// name (case-insensitive). Changes are made to the bytes and written sector by sector.
/// </summary>
internal sealed class FatDirectory
{
    public const byte AttrReadOnly = 0x01, AttrHidden = 0x02, AttrSystem = 0x04, AttrVolumeId = 0x08,
        AttrDirectory = 0x10, AttrArchive = 0x20, AttrLongName = 0x0F;
    /// <summary>A directory holds at most 65,536 entries (spec §6: 2 MiB).</summary>
    public const int MaxSlots = 65536;

    public uint FirstCluster;
    public bool IsRoot;
    public List<uint> Clusters = [];
    public byte[] Data = [];
    public readonly Dictionary<string, FatDirEntry> ByName = new(StringComparer.OrdinalIgnoreCase);
    public readonly Dictionary<string, FatDirEntry> ByShort = new(StringComparer.Ordinal);
    public readonly SortedSet<int> DirtySectors = [];
    public string? VolumeLabel;
    /// <summary>Entries hidden by an earlier entry of the same name (damaged volumes only).</summary>
    public readonly List<FatDirEntry> Shadowed = [];

    public int SlotCount => Data.Length / 32;

    /// <summary>Finds an entry by long name or by short name, case-insensitively.</summary>
    public FatDirEntry? Find(string name)
    {
        if (ByName.TryGetValue(name, out var e)) return e;
        Span<byte> sn = stackalloc byte[11];
        if (name.Length <= 12 && FatNames.TryExactShortName(name.ToUpperInvariant(), sn)
            && ByShort.TryGetValue(System.Text.Encoding.Latin1.GetString(sn), out e))
            return e;
        return null;
    }

    public IEnumerable<FatDirEntry> Entries => ByName.Values.OrderBy(e => e.ShortSlot);

    /// <summary>Parses <see cref="Data"/> into entries. Orphaned long-name slots are ignored (left in place).</summary>
    public void Parse()
    {
        ByName.Clear();
        ByShort.Clear();
        Shadowed.Clear();
        Span<char> lfn = stackalloc char[20 * 13];
        int lfnCount = 0, lfnFirst = -1, expectOrd = 0;
        byte lfnSum = 0;
        int slots = SlotCount;
        for (int i = 0; i < slots; i++)
        {
            var e = Data.AsSpan(i * 32, 32);
            if (e[0] == 0x00)
            {
                // End of directory (spec §6.1): everything after is free; keep it zero in memory.
                Data.AsSpan(i * 32).Clear();
                break;
            }
            if (e[0] == 0xE5) { expectOrd = 0; continue; }
            if ((e[11] & 0x3F) == AttrLongName)
            {
                int ord = e[0] & 0x1F;
                if ((e[0] & 0x40) != 0 && ord is >= 1 and <= 20)
                {
                    lfnCount = ord; lfnFirst = i; lfnSum = e[13]; expectOrd = ord;
                    lfn[..(ord * 13)].Fill('\uffff');
                }
                if (expectOrd == ord && ord >= 1 && e[13] == lfnSum)
                {
                    FatNames.ReadLongSlot(e, lfn.Slice((ord - 1) * 13, 13));
                    expectOrd--;
                }
                else expectOrd = -1;
                continue;
            }
            if ((e[11] & AttrVolumeId) != 0)
            {
                if (IsRoot && VolumeLabel == null)
                    VolumeLabel = System.Text.Encoding.Latin1.GetString(e[..11]).TrimEnd(' ');
                expectOrd = 0;
                continue;
            }
            var entry = new FatDirEntry { ShortSlot = i, FirstSlot = i };
            e[..11].CopyTo(entry.ShortName);
            ReadShortFields(entry, e);
            entry.ShortDisplay = FatNames.ShortToDisplay(entry.ShortName, entry.NtFlags);
            if (entry.ShortDisplay is "." or "..") { expectOrd = 0; continue; }
            entry.Name = entry.ShortDisplay;
            if (expectOrd == 0 && lfnCount > 0 && lfnFirst == i - lfnCount && lfnSum == FatNames.Checksum(entry.ShortName))
            {
                var full = lfn[..(lfnCount * 13)];
                int end = full.IndexOf('\0');
                if (end < 0) end = full.IndexOf('\uffff');
                if (end < 0) end = full.Length;
                if (end > 0)
                {
                    entry.Name = new string(full[..end]);
                    entry.FirstSlot = lfnFirst;
                }
            }
            lfnCount = 0; expectOrd = 0;
            // Duplicate names come only from damaged volumes; the first one wins the index, and the others are
            // still seen by the repair walk (their clusters are in use, not lost).
            if (!ByName.TryAdd(entry.Name, entry)) Shadowed.Add(entry);
            ByShort.TryAdd(System.Text.Encoding.Latin1.GetString(entry.ShortName), entry);
        }
    }

    private static void ReadShortFields(FatDirEntry entry, ReadOnlySpan<byte> e)
    {
        entry.Attr = e[11];
        entry.NtFlags = e[12];
        entry.CrtTenth = e[13];
        entry.CrtTime = BinaryPrimitives.ReadUInt16LittleEndian(e[14..]);
        entry.CrtDate = BinaryPrimitives.ReadUInt16LittleEndian(e[16..]);
        entry.AccDate = BinaryPrimitives.ReadUInt16LittleEndian(e[18..]);
        entry.FirstCluster = (uint)BinaryPrimitives.ReadUInt16LittleEndian(e[20..]) << 16 | BinaryPrimitives.ReadUInt16LittleEndian(e[26..]);
        entry.WrtTime = BinaryPrimitives.ReadUInt16LittleEndian(e[22..]);
        entry.WrtDate = BinaryPrimitives.ReadUInt16LittleEndian(e[24..]);
        entry.Size = BinaryPrimitives.ReadUInt32LittleEndian(e[28..]);
    }

    /// <summary>Writes a short entry's fields into a 32-byte slot (spec §6, DIR_* fields).</summary>
    public static void WriteShortFields(FatDirEntry entry, Span<byte> e)
    {
        entry.ShortName.CopyTo(e);
        e[11] = entry.Attr;
        e[12] = entry.NtFlags;
        e[13] = entry.CrtTenth;
        BinaryPrimitives.WriteUInt16LittleEndian(e[14..], entry.CrtTime);
        BinaryPrimitives.WriteUInt16LittleEndian(e[16..], entry.CrtDate);
        BinaryPrimitives.WriteUInt16LittleEndian(e[18..], entry.AccDate);
        BinaryPrimitives.WriteUInt16LittleEndian(e[20..], (ushort)(entry.FirstCluster >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(e[22..], entry.WrtTime);
        BinaryPrimitives.WriteUInt16LittleEndian(e[24..], entry.WrtDate);
        BinaryPrimitives.WriteUInt16LittleEndian(e[26..], (ushort)entry.FirstCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(e[28..], entry.IsDirectory ? 0 : entry.Size);
    }

    /// <summary>Re-serialises an entry's short slot (size, cluster, times, attributes) and marks it dirty.</summary>
    public void Store(FatDirEntry entry, int sectorSize)
    {
        WriteShortFields(entry, Data.AsSpan(entry.ShortSlot * 32, 32));
        DirtySectors.Add(entry.ShortSlot * 32 / sectorSize);
    }

    /// <summary>Marks an entry's slots deleted (0xE5, spec §6.1) and drops it from the index.</summary>
    public void Remove(FatDirEntry entry, int sectorSize)
    {
        for (int s = entry.FirstSlot; s <= entry.ShortSlot; s++)
        {
            Data[s * 32] = 0xE5;
            DirtySectors.Add(s * 32 / sectorSize);
        }
        ByName.Remove(entry.Name);
        ByShort.Remove(System.Text.Encoding.Latin1.GetString(entry.ShortName));
    }

    /// <summary>
    /// First run of <paramref name="count"/> free slots, or -1 when the directory must grow. A run that fits in one
    /// sector never crosses a sector boundary, so the entry reaches the device in one sector write and a power cut
    /// cannot leave its long-name slots without their short entry.
    /// </summary>
    public int FindFreeSlots(int count, int sectorSize)
    {
        int perSector = sectorSize / 32;
        int run = 0, start = 0;
        for (int i = 0; i < SlotCount; i++)
        {
            byte b = Data[i * 32];
            if (b != 0xE5 && b != 0x00) { run = 0; continue; }
            if (run == 0 || (count <= perSector && i % perSector == 0)) { start = i; run = 0; }
            if (++run == count) return start;
        }
        return -1;
    }

    /// <summary>Writes a new entry (long-name slots then the short slot) at <paramref name="firstSlot"/> and indexes it.</summary>
    public void Add(FatDirEntry entry, int firstSlot, bool withLongName, int sectorSize)
    {
        // Slots skipped before the run that still hold the end-of-directory mark (0x00) become free marks (0xE5),
        // or readers would stop before the new entry (spec §6.1).
        for (int s = firstSlot - 1; s >= 0 && Data[s * 32] == 0x00; s--)
        {
            Data[s * 32] = 0xE5;
            DirtySectors.Add(s * 32 / sectorSize);
        }
        int lfnSlots = withLongName ? FatNames.LongSlots(entry.Name) : 0;
        entry.FirstSlot = firstSlot;
        entry.ShortSlot = firstSlot + lfnSlots;
        if (withLongName)
            FatNames.WriteLongSlots(entry.Name, FatNames.Checksum(entry.ShortName), Data.AsSpan(firstSlot * 32, lfnSlots * 32));
        WriteShortFields(entry, Data.AsSpan(entry.ShortSlot * 32, 32));
        for (int s = firstSlot; s <= entry.ShortSlot; s++) DirtySectors.Add(s * 32 / sectorSize);
        entry.ShortDisplay = FatNames.ShortToDisplay(entry.ShortName, entry.NtFlags);
        ByName[entry.Name] = entry;
        ByShort[System.Text.Encoding.Latin1.GetString(entry.ShortName)] = entry;
    }
}
