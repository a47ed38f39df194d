using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>Images written by mkfs.fat/mtools are read by BlockCrypt, and the other way round.</summary>
[TestFixture, Category("Fat")]
public class FatInteropTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = FatTools.TempDir();
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static byte[] Bytes(int seed, int length)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static void Ok((int ExitCode, string Output) r, string what) =>
        Assert.That(r.ExitCode, Is.EqualTo(0), what + ":\n" + r.Output);

    [TestCase(512, "40960")]
    [TestCase(4096, "300000")]
    public void Open_MkfsImageFilledByMtools_ReadsLongNamesSubdirsAndFragmentedFiles(int sectorSize, string sizeKib)
    {
        string img = Path.Combine(_dir, "m.img");
        Ok(FatTools.Run("mkfs.fat", "-F", "32", "-S", sectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-n", "MTOOLSVOL", "-C", img, sizeKib), "mkfs.fat");
        var files = new Dictionary<string, byte[]>
        {
            ["/small.txt"] = Bytes(1, 10),
            ["/A rather long file name with Spaces.data"] = Bytes(2, 70_000),
            ["/Sub Dir/nested file.bin"] = Bytes(3, 4096),
            ["/Sub Dir/Deeper/Ünïcødé ファイル.txt"] = Bytes(4, 513),
            ["/gap1.bin"] = Bytes(5, 30_000),
            ["/gap2.bin"] = Bytes(6, 30_000),
            ["/empty"] = [],
        };
        Ok(FatTools.Run("mmd", "-i", img, "::/Sub Dir", "::/Sub Dir/Deeper"), "mmd");
        foreach (var (path, data) in files)
        {
            string local = Path.Combine(_dir, "in");
            File.WriteAllBytes(local, data);
            Ok(FatTools.Run("mcopy", "-i", img, local, "::" + path), "mcopy " + path);
        }
        // Fragment: free the space between two files, then write a file larger than the hole.
        Ok(FatTools.Run("mdel", "-i", img, "::/gap1.bin"), "mdel");
        files.Remove("/gap1.bin");
        var frag = Bytes(7, 200_000);
        File.WriteAllBytes(Path.Combine(_dir, "in"), frag);
        Ok(FatTools.Run("mcopy", "-i", img, Path.Combine(_dir, "in"), "::/fragmented.bin"), "mcopy fragmented");
        files["/fragmented.bin"] = frag;

        using var dev = FileBlockDevice.Open(img, sectorSize, readOnly: true);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        Assert.That(fs.Label, Is.EqualTo("MTOOLSVOL"));
        Assert.That(fs.BytesPerSector, Is.EqualTo(sectorSize));
        foreach (var (path, data) in files)
        {
            using var h = fs.OpenFile(path.ToUpperInvariant(), FileOpenMode.Open, false);
            var back = new byte[data.Length + 10];
            Assert.That(h.Read(0, back), Is.EqualTo(data.Length), path);
            Assert.That(back.AsSpan(0, data.Length).SequenceEqual(data), Is.True, path);
        }
        Assert.That(fs.ReadDirectory("/").Select(e => e.Name),
            Is.EquivalentTo(new[] { "small.txt", "A rather long file name with Spaces.data", "Sub Dir", "gap2.bin", "empty", "fragmented.bin" }));
        Assert.That(fs.ReadDirectory("/sub dir/deeper").Single().Name, Is.EqualTo("Ünïcødé ファイル.txt"));
    }

    [Test]
    public void Open_MkfsImage_WritesThatFsckAndMtoolsAccept()
    {
        string img = Path.Combine(_dir, "m.img");
        Ok(FatTools.Run("mkfs.fat", "-F", "32", "-C", img, "40960"), "mkfs.fat");
        Ok(FatTools.Run("mmd", "-i", img, "::/Existing"), "mmd");
        var data = Bytes(8, 123_457);
        using (var dev = FileBlockDevice.Open(img, 512))
        using (var fs = FatFileSystem.Open(dev))
        {
            using var h = fs.OpenFile("/Existing/written by blockcrypt.bin", FileOpenMode.CreateNew, true);
            h.Write(0, data);
        }
        FatTools.AssertClean(img);
        string outFile = Path.Combine(_dir, "out");
        Ok(FatTools.Run("mcopy", "-i", img, "::/Existing/written by blockcrypt.bin", outFile), "mcopy out");
        Assert.That(File.ReadAllBytes(outFile), Is.EqualTo(data));
    }

    [TestCase(512), TestCase(4096)]
    public void Format_FilledByBlockCrypt_MdirListsAndMcopyReadsBackIdentical(int sectorSize)
    {
        long bytes = sectorSize == 512 ? 48L << 20 : 272L << 20;
        string img = Path.Combine(_dir, "b.img");
        using (var f = File.Create(img)) f.SetLength(bytes);
        var files = new Dictionary<string, byte[]>();
        using (var dev = FileBlockDevice.Open(img, sectorSize))
        {
            FatFileSystem.Format(dev, new FatFormatOptions { Label = "BLOCKCRYPT" });
            using var fs = FatFileSystem.Open(dev);
            fs.CreateDirectory("/Photos 2026");
            fs.CreateDirectory("/Photos 2026/Summer holiday in the mountains");
            // Interleaved appends make fragmented chains.
            var names = new[] { "/alpha.txt", "/Photos 2026/Beta with a long name.jpeg", "/Photos 2026/Summer holiday in the mountains/gamma ÄÖÜ.raw" };
            var handles = names.Select(n => fs.OpenFile(n, FileOpenMode.CreateNew, true)).ToArray();
            var streams = names.Select(_ => new MemoryStream()).ToArray();
            var rnd = new Random(9);
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < names.Length; i++)
                {
                    var chunk = Bytes(rnd.Next(), rnd.Next(1, 20_000));
                    handles[i].Write(streams[i].Length, chunk);
                    streams[i].Write(chunk);
                }
            }
            foreach (var h in handles) h.Dispose();
            for (int i = 0; i < names.Length; i++) files[names[i]] = streams[i].ToArray();
            using (var h = fs.OpenFile("/README.TXT", FileOpenMode.CreateNew, true)) h.Write(0, "hello"u8);
            files["/README.TXT"] = "hello"u8.ToArray();
            using (var h = fs.OpenFile("/deleted.tmp", FileOpenMode.CreateNew, true)) h.Write(0, Bytes(10, 50_000));
            fs.DeleteFile("/deleted.tmp");
        }
        FatTools.AssertClean(img);
        var (code, listing) = FatTools.Run("mdir", "-i", img, "::/");
        Ok((code, listing), "mdir");
        Assert.That(listing, Does.Contain("alpha.txt").And.Contain("Photos 2026").And.Contain("README").And.Contain("BLOCKCRYPT"));
        var (_, sub) = FatTools.Run("mdir", "-i", img, "::/Photos 2026");
        Assert.That(sub, Does.Contain("Beta with a long name.jpeg").And.Contain("Summer holiday in the mountains"));
        foreach (var (path, data) in files)
        {
            string outFile = Path.Combine(_dir, "out");
            File.Delete(outFile);
            Ok(FatTools.Run("mcopy", "-n", "-i", img, "::" + path, outFile), "mcopy " + path);
            Assert.That(File.ReadAllBytes(outFile), Is.EqualTo(data), path);
        }
    }
}
