using System.Buffers.Binary;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>The FAT[1] clean-shutdown bit (fatgen103 §4) and the repair of a volume that was not closed.</summary>
[TestFixture, Category("Fat")]
public class FatDirtyBitTests
{
    private static uint Fat1(MemoryBlockDevice dev, int copy)
    {
        var bs = dev.GetSpan(0, 512);
        long reserved = BinaryPrimitives.ReadUInt16LittleEndian(bs[14..]);
        long fatSectors = BinaryPrimitives.ReadUInt32LittleEndian(bs[36..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(dev.GetSpan((reserved + copy * fatSectors) * 512 + 4, 4));
    }

    [Test]
    public void Open_Writable_ClearsCleanBitUntilDispose()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        Assert.That(Fat1(dev, 0) & 0x08000000, Is.Not.Zero);
        var fs = FatFileSystem.Open(dev);
        Assert.That(Fat1(dev, 0) & 0x08000000, Is.Zero);
        Assert.That(Fat1(dev, 1) & 0x08000000, Is.Zero);
        fs.Dispose();
        Assert.That(Fat1(dev, 0) & 0x08000000, Is.Not.Zero);
        Assert.That(Fat1(dev, 1) & 0x08000000, Is.Not.Zero);
        using (var ro = FatFileSystem.Open(dev, readOnly: true))
            Assert.That(Fat1(dev, 0) & 0x08000000, Is.Not.Zero);
    }

    [Test]
    public void Open_DirtyVolumeWithLostClusters_ReclaimsThem()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        long freeBefore;
        using (var fs = FatFileSystem.Open(dev))
        {
            using (var h = fs.OpenFile("/keep.bin", FileOpenMode.CreateNew, true)) h.Write(0, new byte[10_000]);
            freeBefore = fs.GetStats().FreeClusters;
        }
        // Power cut while filling a new, empty file: its 100 clusters reach both FATs, then every later write
        // (the data and the entry's first cluster and size) is lost.
        var crash = new CrashingBlockDevice(dev, long.MaxValue);
        var cut = FatFileSystem.Open(crash);
        var lost = cut.OpenFile("/lost.bin", FileOpenMode.CreateNew, true);
        crash.Limit = crash.Writes + 2;
        lost.Write(0, new byte[51_200]);
        lost.Dispose();
        cut.Dispose();
        Assert.That(Fat1(dev, 0) & 0x08000000, Is.Zero, "the volume stays marked dirty");

        using var repaired = FatFileSystem.Open(dev);
        Assert.That(repaired.ReclaimedClusters, Is.EqualTo(100));
        Assert.That(repaired.ReadDirectory("/").Select(e => (e.Name, e.Length)), Is.EquivalentTo(new[] { ("keep.bin", 10_000L), ("lost.bin", 0L) }));
        Assert.That(repaired.GetStats().FreeClusters, Is.EqualTo(freeBefore));
    }

    [Test]
    public void Open_ReadOnly_NeverWritesTheDevice()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        using (var fs = FatFileSystem.Open(dev))
        using (var h = fs.OpenFile("/a.txt", FileOpenMode.CreateNew, true))
            h.Write(0, new byte[5000]);
        var counting = new CrashingBlockDevice(dev, 0);
        using (var fs = FatFileSystem.Open(counting, readOnly: true))
        {
            using var h = fs.OpenFile("/A.TXT", FileOpenMode.Open, false);
            Assert.That(h.Read(0, new byte[6000]), Is.EqualTo(5000));
            fs.ReadDirectory("/");
            fs.Flush();
        }
        Assert.That(counting.Writes, Is.Zero);
    }

    [Test]
    public void Dispose_HandleLeftOpenAfterSmallAppends_PreallocationFreedAndFsckClean()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        var fs = FatFileSystem.Open(dev);
        var h = fs.OpenFile("/log.txt", FileOpenMode.CreateNew, true);
        var line = new byte[333];
        for (int i = 0; i < 3000; i++) h.Write(i * 333L, line);
        long usedWhileOpen = fs.GetStats().TotalClusters - fs.GetStats().FreeClusters;
        fs.Dispose();
        using (var again = FatFileSystem.Open(dev, readOnly: true))
        {
            long used = again.GetStats().TotalClusters - again.GetStats().FreeClusters;
            Assert.That(used, Is.EqualTo(1 + (3000 * 333 + 511) / 512), "root + the file's clusters");
            Assert.That(usedWhileOpen, Is.GreaterThanOrEqualTo(used));
            Assert.That(again.Stat("/log.txt").Length, Is.EqualTo(3000 * 333));
        }
        string dir = FatTools.TempDir();
        try
        {
            FatTools.Save(dev, Path.Combine(dir, "img"));
            FatTools.AssertClean(Path.Combine(dir, "img"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
