using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

[TestFixture, Category("Fat")]
public class FatFileSystemTests
{
    private static MemoryBlockDevice NewDevice(long bytes = 40L << 20, int sector = 512)
    {
        var dev = new MemoryBlockDevice(bytes / sector, sector);
        FatFileSystem.Format(dev);
        return dev;
    }

    [Test]
    public void Format_TooSmall512_InvalidArgumentNamingMinimum()
    {
        long min = FatFileSystem.MinimumBytes(512, 512);
        Assert.That(min, Is.InRange(32L << 20, 33L << 20)); // about 32.5 MiB
        using var small = new MemoryBlockDevice(min / 512 - 1, 512);
        var ex = Assert.Throws<FileSystemException>(() => FatFileSystem.Format(small));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.InvalidArgument));
        Assert.That(ex.Message, Does.Contain("65525"));
        using var exact = new MemoryBlockDevice(min / 512, 512);
        FatFileSystem.Format(exact);
        using var fs = FatFileSystem.Open(exact);
        Assert.That(fs.GetStats().TotalClusters, Is.GreaterThanOrEqualTo(65525));
    }

    [Test]
    public void Format_4096ByteSectors_MinimumAbout257MiBAndClusters4K()
    {
        long min = FatFileSystem.MinimumBytes(4096, 4096);
        Assert.That(min, Is.InRange(256L << 20, 258L << 20));
        using var small = new MemoryBlockDevice((200L << 20) / 4096, 4096);
        Assert.Throws<FileSystemException>(() => FatFileSystem.Format(small));
        using var dev = new MemoryBlockDevice(min / 4096, 4096);
        FatFileSystem.Format(dev);
        using var fs = FatFileSystem.Open(dev);
        Assert.That(fs.BytesPerSector, Is.EqualTo(4096));
        Assert.That(fs.ClusterSize, Is.EqualTo(4096));
    }

    [Test]
    public void Format_BadOptions_InvalidArgument()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        foreach (var o in new[]
                 {
                     new FatFormatOptions { ClusterSize = 3000 }, new FatFormatOptions { ClusterSize = 4096 }, // 4 KiB: too few clusters at 40 MiB
                     new FatFormatOptions { Label = "TWELVE CHARS" }, new FatFormatOptions { Label = "bad*label" },
                 })
        {
            var ex = Assert.Throws<FileSystemException>(() => FatFileSystem.Format(dev, o));
            Assert.That(ex!.Error, Is.EqualTo(FileSystemError.InvalidArgument));
        }
    }

    [Test]
    public void Format_TooManySectors_InvalidArgument()
    {
        var ex = Assert.Throws<FileSystemException>(() => FatFileSystem.ComputeGeometry(512, 1L << 33, null));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.InvalidArgument));
    }

    [Test]
    public void Format_SizeTable_PicksMkfsClusterSizes()
    {
        Assert.That(FatFileSystem.ComputeGeometry(512, (100L << 20) / 512, null).ClusterSize, Is.EqualTo(512));
        Assert.That(FatFileSystem.ComputeGeometry(512, (1L << 30) / 512, null).ClusterSize, Is.EqualTo(4096));
        Assert.That(FatFileSystem.ComputeGeometry(512, (10L << 30) / 512, null).ClusterSize, Is.EqualTo(8192));
        Assert.That(FatFileSystem.ComputeGeometry(512, (20L << 30) / 512, null).ClusterSize, Is.EqualTo(16384));
        Assert.That(FatFileSystem.ComputeGeometry(512, (100L << 30) / 512, null).ClusterSize, Is.EqualTo(32768));
        Assert.That(FatFileSystem.ComputeGeometry(512, (260L << 20) / 512, null).ClusterSize, Is.EqualTo(4096));
        // An explicit size is kept when it is valid.
        Assert.That(FatFileSystem.ComputeGeometry(512, (1L << 30) / 512, 1024).ClusterSize, Is.EqualTo(1024));
    }

    [Test]
    public void Write_PastFourGiB_FileTooLarge()
    {
        using var dev = NewDevice();
        using var fs = FatFileSystem.Open(dev);
        using var h = fs.OpenFile("/big", FileOpenMode.CreateNew, true);
        var ex = Assert.Throws<FileSystemException>(() => h.Write(uint.MaxValue, new byte[1]));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.FileTooLarge));
        ex = Assert.Throws<FileSystemException>(() => h.SetLength(1L << 32));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.FileTooLarge));
        Assert.That(fs.MaxFileSize, Is.EqualTo(uint.MaxValue));
    }

    [Test]
    public void Write_VolumeFull_NoSpaceAndStatsRight()
    {
        using var dev = NewDevice();
        using var fs = FatFileSystem.Open(dev);
        var before = fs.GetStats();
        using var h = fs.OpenFile("/fill", FileOpenMode.CreateNew, true);
        var ex = Assert.Throws<FileSystemException>(() => h.SetLength(before.FreeBytes + 512));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.NoSpace));
        h.SetLength(before.FreeBytes);
        Assert.That(fs.GetStats().FreeClusters, Is.EqualTo(0));
        h.SetLength(1000);
        Assert.That(fs.GetStats().FreeClusters, Is.EqualTo(before.FreeClusters - 2));
    }

    [Test]
    public void DeleteDirectory_NotEmpty_Refused()
    {
        using var dev = NewDevice();
        using var fs = FatFileSystem.Open(dev);
        fs.CreateDirectory("/d");
        fs.OpenFile("/d/f", FileOpenMode.CreateNew, true).Dispose();
        var ex = Assert.Throws<FileSystemException>(() => fs.DeleteDirectory("/d"));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.DirectoryNotEmpty));
        fs.DeleteFile("/D/F");
        fs.DeleteDirectory("/D");
        Assert.That(fs.ReadDirectory("/"), Is.Empty);
    }

    [Test]
    public void SetTimesAndAttributes_Reopen_Kept()
    {
        using var dev = NewDevice();
        var fs0 = FatFileSystem.Open(dev);
        fs0.OpenFile("/t.txt", FileOpenMode.CreateNew, true).Dispose();
        var created = new DateTime(2001, 2, 3, 4, 5, 6, 780, DateTimeKind.Utc);
        var modified = new DateTime(2020, 12, 31, 23, 59, 58, DateTimeKind.Utc);
        fs0.SetTimes("/t.txt", created, new DateTime(2022, 6, 7, 0, 0, 0, DateTimeKind.Utc), modified);
        fs0.SetAttributes("/t.txt", FileAttributes.ReadOnly | FileAttributes.Hidden);
        fs0.Dispose();
        using var fs = FatFileSystem.Open(dev);
        var st = fs.Stat("/T.TXT");
        Assert.That(st.CreationTimeUtc, Is.EqualTo(new DateTime(2001, 2, 3, 4, 5, 6, 780, DateTimeKind.Utc)));
        Assert.That(st.LastWriteTimeUtc, Is.EqualTo(modified));
        Assert.That(st.LastAccessTimeUtc, Is.EqualTo(new DateTime(2022, 6, 7, 0, 0, 0, DateTimeKind.Utc)));
        Assert.That(st.Attributes, Is.EqualTo(FileAttributes.ReadOnly | FileAttributes.Hidden));
    }

    [Test]
    public void ReadOnlyMount_Changes_ReadOnlyError()
    {
        using var dev = NewDevice();
        var fs0 = FatFileSystem.Open(dev);
        fs0.Dispose();
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        Assert.That(fs.IsReadOnly, Is.True);
        var ex = Assert.Throws<FileSystemException>(() => fs.CreateDirectory("/x"));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.ReadOnly));
        ex = Assert.Throws<FileSystemException>(() => fs.OpenFile("/x", FileOpenMode.OpenOrCreate, false));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.ReadOnly));
    }

    [Test]
    public void ConcurrentHandles_ManyThreads_DataIntactAndFsckClean()
    {
        using var dev = NewDevice(64L << 20);
        using var fs = FatFileSystem.Open(dev);
        const int Threads = 6;
        var datas = new byte[Threads][];
        Parallel.For(0, Threads, t =>
        {
            var rnd = new Random(t);
            var data = new byte[300_000];
            rnd.NextBytes(data);
            datas[t] = data;
            fs.CreateDirectory($"/dir{t}");
            using var h = fs.OpenFile($"/dir{t}/file with long name {t}.bin", FileOpenMode.CreateNew, true);
            for (int off = 0; off < data.Length; off += 7000) h.Write(off, data.AsSpan(off, Math.Min(7000, data.Length - off)));
            var back = new byte[data.Length];
            for (int i = 0; i < 50; i++)
            {
                int o = rnd.Next(data.Length);
                int n = h.Read(o, back.AsSpan(0, Math.Min(5000, data.Length - o)));
                Assert.That(back.AsSpan(0, n).SequenceEqual(data.AsSpan(o, n)), Is.True);
                fs.ReadDirectory("/");
            }
        });
        for (int t = 0; t < Threads; t++)
        {
            using var h = fs.OpenFile($"/DIR{t}/file with long name {t}.bin", FileOpenMode.Open, false);
            var back = new byte[datas[t].Length];
            Assert.That(h.Read(0, back), Is.EqualTo(back.Length));
            Assert.That(back, Is.EqualTo(datas[t]));
        }
        fs.Dispose();
        string d = FatTools.TempDir();
        try
        {
            FatTools.Save(dev, Path.Combine(d, "img"));
            FatTools.AssertClean(Path.Combine(d, "img"));
        }
        finally { Directory.Delete(d, true); }
    }
}
