using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>
/// Random operation sequences applied to the filesystem and to <see cref="FatModel"/>; after every operation the
/// touched file's content and the touched directories' listings must agree, the whole tree is compared
/// regularly and after remounts, and fsck.fat must find the final image clean.
/// </summary>
[TestFixture, Category("Fat")]
public class FatModelTests
{
    private static readonly string[] Stems =
    [
        "a", "B", "readme.txt", "Makefile", "notes.md", "x.tar.gz", "photo 01.JPEG", ".hidden", "data.bin",
        "Ünïcødé", "ファイル名", "emoji 🎉 file", "Ελληνικά.doc", "mixedCase.TXT", "UPPER.TXT", "with  two spaces",
        "comma,semi;plus+eq=", "[brackets]", "very.many.dots.in.name",
    ];

    private sealed class Run(int seed)
    {
        public readonly Random Rnd = new(seed);
        public readonly FatModel Model = new();
        public IFileSystem Fs = null!;
        public int Step;
        public readonly List<string> Log = [];

        public string NewName()
        {
            int k = Rnd.Next(10);
            string stem = Stems[Rnd.Next(Stems.Length)];
            if (k == 0)
            {
                // A long name: up to 255 UTF-16 units.
                int len = Rnd.Next(40, 256);
                var chars = new char[len];
                const string Alphabet = "abcdefghijklmnopqrstuvwxyzÄÖÜßé漢字 _-0123456789";
                for (int i = 0; i < len; i++) chars[i] = Alphabet[Rnd.Next(Alphabet.Length)];
                chars[0] = 'L';
                chars[^1] = 'z';
                return new string(chars);
            }
            return k < 4 ? stem : stem + "_" + Rnd.Next(1000);
        }

        public string CaseVariant(string path)
        {
            var chars = path.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
                if (Rnd.Next(3) == 0) chars[i] = Rnd.Next(2) == 0 ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            return new string(chars);
        }

        public FatModel.Node? Pick(Func<FatModel.Node, bool> filter)
        {
            var list = Model.All().Where(filter).ToList();
            return list.Count == 0 ? null : list[Rnd.Next(list.Count)];
        }

        public FatModel.Node PickDir()
        {
            if (Rnd.Next(4) == 0) return Model.Root;
            return Pick(n => n.IsDir) ?? Model.Root;
        }

        public byte[] Bytes(int n)
        {
            var b = new byte[n];
            Rnd.NextBytes(b);
            return b;
        }

        public int Size()
        {
            int k = Rnd.Next(100);
            return k < 50 ? Rnd.Next(0, 3000) : k < 90 ? Rnd.Next(3000, 70_000) : Rnd.Next(300_000, 2_000_000);
        }
    }

    private static void Expect(FileSystemError error, TestDelegate action)
    {
        var ex = Assert.Throws<FileSystemException>(action);
        Assert.That(ex!.Error, Is.EqualTo(error));
    }

    private static void CheckFile(Run r, FatModel.Node n)
    {
        var st = r.Fs.Stat(r.CaseVariant(n.Path));
        Assert.That(st.IsDirectory, Is.False, n.Path);
        Assert.That(st.Length, Is.EqualTo(n.Length), n.Path);
        Assert.That(st.Name, Is.EqualTo(n.Name));
        using var h = r.Fs.OpenFile(n.Path, FileOpenMode.Open, false);
        var buf = new byte[n.Length + 1];
        int got = h.Read(0, buf);
        Assert.That(got, Is.EqualTo(n.Length), n.Path);
        Assert.That(buf.AsSpan(0, got).SequenceEqual(n.Content), Is.True, $"content of {n.Path} at step {r.Step}");
    }

    private static void CheckListing(Run r, FatModel.Node dir)
    {
        var list = r.Fs.ReadDirectory(dir.Path.Length == 0 ? "/" : dir.Path);
        Assert.That(list.Select(e => (e.Name, e.IsDirectory)).OrderBy(x => x.Name, StringComparer.Ordinal),
            Is.EqualTo(dir.Children.Values.Select(c => (c.Name, c.IsDir)).OrderBy(x => x.Name, StringComparer.Ordinal)),
            $"listing of '{dir.Path}' at step {r.Step}");
    }

    private static void CheckAll(Run r)
    {
        CheckListing(r, r.Model.Root);
        foreach (var n in r.Model.All())
        {
            if (n.IsDir) CheckListing(r, n); else CheckFile(r, n);
        }
    }

    [TestCase(1, 512), TestCase(2, 512), TestCase(3, 512), TestCase(4, 4096)]
    public void RandomOperations_AgainstModel_AgreeAndFsckClean(int seed, int sectorSize)
    {
        long bytes = sectorSize == 512 ? 48L << 20 : 260L << 20;
        using var dev = new MemoryBlockDevice(bytes / sectorSize, sectorSize);
        FatFileSystem.Format(dev, new FatFormatOptions { Label = "MODEL" });
        var r = new Run(seed) { Fs = FatFileSystem.Open(dev) };
        var open = new List<(IFileHandle H, FatModel.Node N)>();
        try
        {
            for (r.Step = 0; r.Step < 2000; r.Step++)
            {
                try { DoStep(r, dev, open); }
                catch
                {
                    TestContext.Out.WriteLine(string.Join("\n", r.Log.TakeLast(15)));
                    throw;
                }
            }
            foreach (var (h, _) in open) h.Dispose();
            open.Clear();
            CheckAll(r);
            r.Fs.Dispose();
            r.Fs = FatFileSystem.Open(dev, readOnly: true);
            CheckAll(r);
        }
        finally
        {
            foreach (var (h, _) in open) h.Dispose();
            r.Fs.Dispose();
        }
        string dir = FatTools.TempDir();
        try
        {
            FatTools.Save(dev, Path.Combine(dir, "img"));
            FatTools.AssertClean(Path.Combine(dir, "img"));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static void DoStep(Run r, MemoryBlockDevice dev, List<(IFileHandle H, FatModel.Node N)> open)
    {
        var rnd = r.Rnd;
        int op = rnd.Next(100);
        if (op < 18) // create a file
        {
            var dir = r.PickDir();
            string name = r.NewName();
            string path = dir.Path + "/" + name;
            if (dir.Children.ContainsKey(name))
            {
                Expect(FileSystemError.AlreadyExists, () => r.Fs.OpenFile(r.CaseVariant(path), FileOpenMode.CreateNew, true).Dispose());
                return;
            }
            var data = r.Bytes(r.Size());
            r.Log.Add($"{r.Step} create {path} {data.Length}");
            using (var h = r.Fs.OpenFile(path, FileOpenMode.CreateNew, true)) h.Write(0, data);
            var n = new FatModel.Node { Name = name, Parent = dir };
            n.Write(0, data);
            dir.Children[name] = n;
            CheckFile(r, n);
            CheckListing(r, dir);
        }
        else if (op < 30) // append or overwrite, sometimes past the end (a zero-filled gap)
        {
            var n = r.Pick(x => !x.IsDir);
            if (n == null) return;
            int offset = rnd.Next(3) switch { 0 => n.Length, 1 => rnd.Next(n.Length + 1), _ => n.Length + rnd.Next(1, 50_000) };
            var data = r.Bytes(rnd.Next(10) == 0 ? rnd.Next(100_000, 600_000) : rnd.Next(1, 20_000));
            var keep = open.FirstOrDefault(o => o.N == n).H;
            r.Log.Add($"{r.Step} write {n.Path} @{offset} {data.Length}");
            if (keep != null) keep.Write(offset, data);
            else using (var h = r.Fs.OpenFile(r.CaseVariant(n.Path), FileOpenMode.Open, true)) h.Write(offset, data);
            n.Write(offset, data);
            CheckFile(r, n);
        }
        else if (op < 38) // truncate: grow or shrink
        {
            var n = r.Pick(x => !x.IsDir);
            if (n == null) return;
            int len = rnd.Next(3) switch { 0 => 0, 1 => rnd.Next(n.Length + 1), _ => n.Length + rnd.Next(1, 100_000) };
            r.Log.Add($"{r.Step} setlength {n.Path} {len}");
            using (var h = r.Fs.OpenFile(n.Path, FileOpenMode.Open, true)) h.SetLength(len);
            n.SetLength(len);
            CheckFile(r, n);
        }
        else if (op < 46) // delete a file (sometimes while a handle is open)
        {
            var n = r.Pick(x => !x.IsDir);
            if (n == null) return;
            IFileHandle? h = rnd.Next(4) == 0 ? r.Fs.OpenFile(n.Path, FileOpenMode.Open, true) : null;
            r.Log.Add($"{r.Step} delete {n.Path} open={h != null}");
            r.Fs.DeleteFile(r.CaseVariant(n.Path));
            n.Parent!.Children.Remove(n.Name);
            Expect(FileSystemError.NotFound, () => r.Fs.Stat(n.Path));
            if (h != null)
            {
                var buf = new byte[n.Length];
                Assert.That(h.Read(0, buf), Is.EqualTo(n.Length));
                Assert.That(buf.AsSpan().SequenceEqual(n.Content), Is.True);
                h.Write(n.Length, new byte[5000]);
                h.Dispose();
            }
            CheckListing(r, n.Parent);
        }
        else if (op < 54) // mkdir, deep trees included
        {
            var dir = rnd.Next(2) == 0 ? r.Pick(x => x.IsDir && r.Model.Depth(x) >= 3) ?? r.PickDir() : r.PickDir();
            if (r.Model.Depth(dir) > 12) return;
            string name = r.NewName();
            string path = dir.Path + "/" + name;
            if (dir.Children.ContainsKey(name))
            {
                Expect(FileSystemError.AlreadyExists, () => r.Fs.CreateDirectory(r.CaseVariant(path)));
                return;
            }
            r.Log.Add($"{r.Step} mkdir {path}");
            r.Fs.CreateDirectory(path);
            dir.Children[name] = new FatModel.Node { Name = name, IsDir = true, Parent = dir };
            CheckListing(r, dir);
        }
        else if (op < 60) // rmdir
        {
            var d = r.Pick(x => x.IsDir);
            if (d == null) return;
            if (d.Children.Count > 0)
            {
                Expect(FileSystemError.DirectoryNotEmpty, () => r.Fs.DeleteDirectory(d.Path));
                return;
            }
            r.Log.Add($"{r.Step} rmdir {d.Path}");
            r.Fs.DeleteDirectory(r.CaseVariant(d.Path));
            d.Parent!.Children.Remove(d.Name);
            CheckListing(r, d.Parent);
        }
        else if (op < 75) // rename / move, replacing an existing file sometimes
        {
            var n = r.Pick(_ => true);
            if (n == null) return;
            var dest = r.PickDir();
            for (var p = dest; p != null; p = p.Parent)
            {
                if (p == n)
                {
                    Expect(FileSystemError.InvalidArgument, () => r.Fs.Rename(n.Path, dest.Path + "/x", false));
                    return;
                }
            }
            string name = rnd.Next(5) == 0 ? n.Name.ToUpperInvariant() : r.NewName();
            var existingFile = !n.IsDir && rnd.Next(3) == 0 ? dest.Children.Values.FirstOrDefault(c => !c.IsDir && c != n) : null;
            if (existingFile != null) name = existingFile.Name;
            string to = dest.Path + "/" + name;
            r.Log.Add($"{r.Step} rename {n.Path} -> {to}");
            if (dest.Children.TryGetValue(name, out var clash) && clash != n)
            {
                if (clash.IsDir && n.IsDir && clash.Children.Count == 0)
                {
                    // POSIX rename: an empty directory may be replaced by a directory.
                    r.Fs.Rename(n.Path, to, true);
                    dest.Children.Remove(name);
                }
                else if (clash.IsDir || n.IsDir)
                {
                    Assert.Throws<FileSystemException>(() => r.Fs.Rename(n.Path, to, true));
                    return;
                }
                else
                {
                    Expect(FileSystemError.AlreadyExists, () => r.Fs.Rename(n.Path, to, false));
                    r.Fs.Rename(r.CaseVariant(n.Path), to, true);
                    dest.Children.Remove(name);
                }
            }
            else r.Fs.Rename(r.CaseVariant(n.Path), to, false);
            var from = n.Parent!;
            from.Children.Remove(n.Name);
            n.Name = name;
            n.Parent = dest;
            dest.Children[name] = n;
            CheckListing(r, from);
            CheckListing(r, dest);
            if (!n.IsDir) CheckFile(r, n);
        }
        else if (op < 82) // open a long-lived handle / close one
        {
            if (open.Count > 0 && rnd.Next(2) == 0)
            {
                var (h, _) = open[rnd.Next(open.Count)];
                open.RemoveAll(o => o.H == h);
                h.Dispose();
                return;
            }
            var n = r.Pick(x => !x.IsDir && open.All(o => o.N != x));
            if (n != null) open.Add((r.Fs.OpenFile(n.Path, FileOpenMode.Open, true), n));
        }
        else if (op < 88) // invalid names
        {
            string bad = rnd.Next(6) switch { 0 => "a<b", 1 => "trailing.", 2 => "CON", 3 => "lpt3.txt", 4 => "sp ", _ => "q?" };
            Expect(FileSystemError.InvalidName, () => r.Fs.OpenFile("/" + bad, FileOpenMode.CreateNew, true).Dispose());
            Expect(FileSystemError.NameTooLong, () => r.Fs.CreateDirectory("/" + new string('n', 256)));
        }
        else if (op < 92) // random reads
        {
            var n = r.Pick(x => !x.IsDir && x.Length > 0);
            if (n == null) return;
            using var h = r.Fs.OpenFile(n.Path, FileOpenMode.Open, false);
            int off = rnd.Next(n.Length), len = rnd.Next(1, 70_000);
            var buf = new byte[len];
            int got = h.Read(off, buf);
            Assert.That(got, Is.EqualTo(Math.Min(len, n.Length - off)));
            Assert.That(buf.AsSpan(0, got).SequenceEqual(n.Content.Slice(off, got)), Is.True);
        }
        else if (op < 94) // remount
        {
            foreach (var (h, _) in open) h.Dispose();
            open.Clear();
            r.Fs.Dispose();
            r.Fs = FatFileSystem.Open(dev);
            CheckAll(r);
        }
        else // stats agree with what the files need
        {
            var st = r.Fs.GetStats();
            Assert.That(st.FreeClusters, Is.LessThanOrEqualTo(st.TotalClusters));
            long used = r.Model.All().Sum(n => n.IsDir ? 1 : (n.Length + st.ClusterSize - 1) / st.ClusterSize);
            Assert.That(st.TotalClusters - st.FreeClusters, Is.GreaterThanOrEqualTo(used));
        }
        if (r.Step % 250 == 249) CheckAll(r);
    }
}
