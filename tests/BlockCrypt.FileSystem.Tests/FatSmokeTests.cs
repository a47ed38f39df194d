using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

[TestFixture, Category("Fat")]
public class FatSmokeTests
{
    [TestCase(512), TestCase(4096)]
    public void FormatWriteReopen_SmallTree_ReadsBackAndFsckClean(int sectorSize)
    {
        long bytes = sectorSize == 512 ? 40L << 20 : 300L << 20;
        using var dev = new MemoryBlockDevice(bytes / sectorSize, sectorSize);
        FatFileSystem.Format(dev, new FatFormatOptions { Label = "Test Vol", SerialNumber = 0x12345678 });
        var data = new byte[100_000];
        new Random(1).NextBytes(data);
        using (var fs = FatFileSystem.Open(dev))
        {
            Assert.That(fs.Label, Is.EqualTo("TEST VOL"));
            fs.CreateDirectory("/Docs");
            fs.CreateDirectory("/Docs/A very long directory name that needs several LFN slots");
            using (var h = fs.OpenFile("/Docs/readme.txt", FileOpenMode.CreateNew, true)) h.Write(0, data);
            using (var h = fs.OpenFile("/Docs/A very long directory name that needs several LFN slots/Ünïcødé ファイル.bin", FileOpenMode.Create, true))
                h.Write(5000, data.AsSpan(0, 777));
        }
        using (var fs = FatFileSystem.Open(dev))
        {
            Assert.That(fs.SerialNumber, Is.EqualTo(0x12345678u));
            var list = fs.ReadDirectory("/docs");
            Assert.That(list.Select(e => e.Name), Is.EquivalentTo(new[] { "readme.txt", "A very long directory name that needs several LFN slots" }));
            using var h = fs.OpenFile("/DOCS/README.TXT", FileOpenMode.Open, false);
            var back = new byte[data.Length];
            Assert.That(h.Read(0, back), Is.EqualTo(data.Length));
            Assert.That(back, Is.EqualTo(data));
            using var h2 = fs.OpenFile("/docs/a very long directory name that needs several lfn slots/ünïcødé ファイル.BIN", FileOpenMode.Open, false);
            Assert.That(h2.Length, Is.EqualTo(5777));
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
