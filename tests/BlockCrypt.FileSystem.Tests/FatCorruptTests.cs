using System.Buffers.Binary;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>Damaged volumes give FileSystemException(Corrupt), never a hang or another exception type.</summary>
[TestFixture, Category("Fat")]
public class FatCorruptTests
{
    private const int Sector = 512;

    /// <summary>A volume with one file of 3 clusters at clusters 3..5 (the root is cluster 2) and one subdirectory.</summary>
    private static MemoryBlockDevice MakeVolume()
    {
        var dev = new MemoryBlockDevice((40L << 20) / Sector, Sector);
        FatFileSystem.Format(dev, new FatFormatOptions { ClusterSize = 512 });
        using var fs = FatFileSystem.Open(dev);
        using (var h = fs.OpenFile("/FILE.BIN", FileOpenMode.CreateNew, true)) h.Write(0, new byte[1500]);
        fs.CreateDirectory("/SUB");
        return dev;
    }

    private static (long FatOffset, long FatBytes, int Fats, long RootOffset) Layout(MemoryBlockDevice dev)
    {
        var bs = dev.GetSpan(0, 512);
        long reserved = BinaryPrimitives.ReadUInt16LittleEndian(bs[14..]);
        long fatSectors = BinaryPrimitives.ReadUInt32LittleEndian(bs[36..]);
        int fats = bs[16];
        return (reserved * Sector, fatSectors * Sector, fats, (reserved + fats * fatSectors) * Sector);
    }

    private static void SetFat(MemoryBlockDevice dev, uint cluster, uint value)
    {
        var (fatOffset, fatBytes, fats, _) = Layout(dev);
        for (int k = 0; k < fats; k++)
            BinaryPrimitives.WriteUInt32LittleEndian(dev.GetSpan(fatOffset + k * fatBytes + cluster * 4, 4), value);
    }

    private static void ExpectCorrupt(TestDelegate action)
    {
        var ex = Assert.Throws<FileSystemException>(action);
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.Corrupt), ex.Message);
    }

    [Test]
    public void Open_VolumeAsBuilt_HasFileAtClusters3To5()
    {
        using var dev = MakeVolume();
        var (fatOffset, _, _, _) = Layout(dev);
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(dev.GetSpan(fatOffset + 3 * 4, 4)), Is.EqualTo(4u));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(dev.GetSpan(fatOffset + 5 * 4, 4)) & 0x0FFFFFFF, Is.GreaterThanOrEqualTo(0x0FFFFFF8u));
    }

    [TestCase(510, 0x00, TestName = "Open_BootSignatureMissing_Corrupt")]
    [TestCase(0, 0x00, TestName = "Open_NoJumpInstruction_Corrupt")]
    [TestCase(13, 3, TestName = "Open_SectorsPerClusterNotPowerOfTwo_Corrupt")]
    [TestCase(16, 0, TestName = "Open_ZeroFats_Corrupt")]
    [TestCase(12, 0x01, TestName = "Open_BytesPerSectorMismatch_Corrupt")]
    [TestCase(35, 0x7F, TestName = "Open_TotalSectorsBeyondDevice_Corrupt")]
    [TestCase(47, 0x40, TestName = "Open_RootClusterOutsideVolume_Corrupt")]
    public void Open_CorruptBootSector_Corrupt(int offset, int value)
    {
        using var dev = MakeVolume();
        dev.GetSpan(offset, 1)[0] = (byte)value;
        ExpectCorrupt(() => FatFileSystem.Open(dev).Dispose());
    }

    [Test]
    public void Open_ZeroedDevice_Corrupt()
    {
        using var dev = new MemoryBlockDevice(1000, Sector);
        ExpectCorrupt(() => FatFileSystem.Open(dev).Dispose());
    }

    [Test]
    public void OpenFile_ChainLoops_CorruptWithoutHang()
    {
        using var dev = MakeVolume();
        SetFat(dev, 5, 3);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        ExpectCorrupt(() => fs.OpenFile("/FILE.BIN", FileOpenMode.Open, false).Dispose());
    }

    [Test]
    public void OpenFile_ChainPointsOutsideVolume_Corrupt()
    {
        using var dev = MakeVolume();
        SetFat(dev, 4, 0x0FFFFFF0);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        ExpectCorrupt(() => fs.OpenFile("/file.bin", FileOpenMode.Open, false).Dispose());
    }

    [Test]
    public void OpenFile_ChainLinksToFreeCluster_Corrupt()
    {
        using var dev = MakeVolume();
        SetFat(dev, 4, 0x1234);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        ExpectCorrupt(() => fs.OpenFile("/file.bin", FileOpenMode.Open, false).Dispose());
    }

    [Test]
    public void OpenFile_SizeLargerThanChain_Corrupt()
    {
        using var dev = MakeVolume();
        var root = Layout(dev).RootOffset;
        // FILE.BIN is an exact 8.3 name: the root's second slot (after the volume label, if any) holds it.
        int slot = FindSlot(dev, root, "FILE    BIN");
        BinaryPrimitives.WriteUInt32LittleEndian(dev.GetSpan(root + slot * 32 + 28, 4), 100_000);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        ExpectCorrupt(() => fs.OpenFile("/file.bin", FileOpenMode.Open, false).Dispose());
    }

    [Test]
    public void ReadDirectory_SizeLargerThanVolume_Corrupt()
    {
        using var dev = MakeVolume();
        var root = Layout(dev).RootOffset;
        int slot = FindSlot(dev, root, "FILE    BIN");
        BinaryPrimitives.WriteUInt32LittleEndian(dev.GetSpan(root + slot * 32 + 28, 4), 0xFFFF0000);
        ExpectCorrupt(() => FatFileSystem.Open(dev, readOnly: true).Dispose());
    }

    [Test]
    public void Open_DirtyVolumeWithLoopingDirectoryChain_CorruptWithoutHang()
    {
        using var dev = MakeVolume();
        SetFat(dev, 1, 0x07FFFFFF); // clean-shutdown bit cleared: the repair walk runs
        SetFat(dev, 2, 2);          // the root directory's chain loops onto itself
        ExpectCorrupt(() => FatFileSystem.Open(dev).Dispose());
    }

    private static int FindSlot(MemoryBlockDevice dev, long dirOffset, string shortName)
    {
        for (int i = 0; i < 16; i++)
            if (System.Text.Encoding.ASCII.GetString(dev.GetSpan(dirOffset + i * 32, 11)) == shortName) return i;
        throw new AssertionException("entry not found");
    }

    [Test]
    public void OpenAndWalk_RandomlyDamagedMetadata_OnlyFileSystemExceptionAndNoHang()
    {
        using var pristine = MakeVolume();
        using (var fs = FatFileSystem.Open(pristine))
        {
            fs.CreateDirectory("/SUB/A much longer directory name");
            for (int i = 0; i < 20; i++)
                using (var h = fs.OpenFile($"/SUB/A much longer directory name/file {i} ünïcødé.txt", FileOpenMode.CreateNew, true))
                    h.Write(0, new byte[700 * i]);
        }
        var (fatOffset, fatBytes, _, root) = Layout(pristine);
        long metaEnd = root + 64 * 1024;
        var rnd = new Random(99);
        var image = pristine.GetSpan(0, (int)metaEnd).ToArray();
        using var dev = new MemoryBlockDevice(pristine.SectorCount, Sector);
        pristine.GetSpan(0, (int)(pristine.SectorCount * Sector)).CopyTo(dev.GetSpan(0, (int)(pristine.SectorCount * Sector)));
        int corrupt = 0;
        for (int iter = 0; iter < 150; iter++)
        {
            image.CopyTo(dev.GetSpan(0, image.Length));
            for (int k = 0; k < 1 + rnd.Next(8); k++)
            {
                long at = rnd.Next(4) switch
                {
                    0 => rnd.Next(90),                               // BPB
                    1 => fatOffset + rnd.Next(4096),                 // start of the FAT
                    _ => root + rnd.Next(8192),                      // directory clusters
                };
                dev.GetSpan(at, 1)[0] = (byte)rnd.Next(256);
            }
            bool writable = rnd.Next(2) == 0;
            var task = Task.Run(() =>
            {
                try
                {
                    using var fs = FatFileSystem.Open(dev, readOnly: !writable);
                    Walk(fs, "/", 0);
                }
                catch (FileSystemException)
                {
                    Interlocked.Increment(ref corrupt);
                }
            });
            Assert.That(task.Wait(TimeSpan.FromSeconds(20)), Is.True, $"iteration {iter} hung");
            Assert.That(task.Exception, Is.Null, $"iteration {iter}: {task.Exception}");
        }
        Assert.That(corrupt, Is.GreaterThan(0));
        TestContext.Out.WriteLine($"{corrupt} of 150 damaged images were refused as corrupt");
        _ = fatBytes;
    }

    private static void Walk(IFileSystem fs, string path, int depth)
    {
        if (depth > 20) return;
        foreach (var e in fs.ReadDirectory(path))
        {
            string child = path.TrimEnd('/') + "/" + e.Name;
            if (e.IsDirectory) Walk(fs, child, depth + 1);
            else
            {
                using var h = fs.OpenFile(child, FileOpenMode.Open, false);
                var buf = new byte[Math.Min(h.Length, 1 << 20)];
                h.Read(0, buf);
            }
        }
    }
}
