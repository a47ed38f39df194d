using System.Text.RegularExpressions;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>
/// Power cuts at random writes: fsck.fat may then report lost clusters, a wrong free count, FATs that differ,
/// or a chain longer than its file's size (the one file being extended or shrunk), never cross-links or entries
/// pointing at free clusters; reopening the volume repairs it so fsck.fat finds it clean.
/// </summary>
[TestFixture, Category("Fat")]
public class FatCrashTests
{
    private const long DeviceBytes = 40L << 20;

    /// <summary>A fixed workload of creates, appends, overwrites, truncates, renames, deletes and mkdirs.</summary>
    private static void Workload(IFileSystem fs, int seed)
    {
        var rnd = new Random(seed);
        var files = new List<string>();
        var dirs = new List<string> { "" };
        for (int i = 0; i < 60; i++)
        {
            int op = rnd.Next(10);
            string dir = dirs[rnd.Next(dirs.Count)];
            try
            {
                if (op < 3 || files.Count == 0)
                {
                    string path = $"{dir}/file number {i} with a long name.dat";
                    using var h = fs.OpenFile(path, FileOpenMode.Create, true);
                    h.Write(0, new byte[rnd.Next(1, 200_000)]);
                    files.Add(path);
                }
                else if (op < 5)
                {
                    using var h = fs.OpenFile(files[rnd.Next(files.Count)], FileOpenMode.Open, true);
                    var data = new byte[rnd.Next(1, 100_000)];
                    rnd.NextBytes(data);
                    h.Write(rnd.Next(2) == 0 ? h.Length : rnd.Next((int)h.Length + 1), data);
                }
                else if (op < 6)
                {
                    using var h = fs.OpenFile(files[rnd.Next(files.Count)], FileOpenMode.Open, true);
                    h.SetLength(rnd.Next(0, 150_000));
                }
                else if (op < 7)
                {
                    int k = rnd.Next(files.Count);
                    fs.DeleteFile(files[k]);
                    files.RemoveAt(k);
                }
                else if (op < 8)
                {
                    string d = $"{dir}/Directory {i}";
                    fs.CreateDirectory(d);
                    dirs.Add(d);
                }
                else
                {
                    int k = rnd.Next(files.Count);
                    string to = $"{dirs[rnd.Next(dirs.Count)]}/renamed {i}.bin";
                    fs.Rename(files[k], to, true);
                    files[k] = to;
                }
            }
            catch (FileSystemException e) when (e.Error == FileSystemError.NoSpace)
            {
            }
        }
    }

    private static readonly Regex[] Allowed =
    [
        new(@"^fsck\.fat "), new("^Checking we can access"), new(" files, "),
        new(@"^Reclaimed \d+ unused clusters"), new(@"^Reclaimed \d+ unused cluster"),
        new(@"^Free cluster summary wrong"), new(@"^Free cluster summary uninitialized"), new(@"^\s*\d+ vs\. really \d+"),
        new(@"^FATs differ"), new(@"^Using first FAT"),
        new(@"has too many clusters allocated"), new(@"^\s*Truncating file to"), new(@"^\s*File size is \d+ bytes, cluster chain length is"),
        new(@"^Dirty bit is set\. Fs was not properly unmounted"), new(@"^\s*Automatically removing dirty bit"), new(@"^\s*Auto-correcting"),
        new(@"^Leaving filesystem unchanged"), new(@"^\s*\(-n option\)"), new(@"^/"),
    ];

    [Test]
    public void Workload_PowerCutAtRandomWrite_OnlyLostClustersAndReopenRepairs()
    {
        long total;
        using (var probeInner = new MemoryBlockDevice(DeviceBytes / 512, 512))
        {
            FatFileSystem.Format(probeInner, new FatFormatOptions { Label = "CRASH" });
            var probe = new CrashingBlockDevice(probeInner, long.MaxValue);
            using (var fs = FatFileSystem.Open(probe)) Workload(fs, 7);
            total = probe.Writes;
        }
        Assert.That(total, Is.GreaterThan(100));
        var rnd = new Random(12345);
        string dir = FatTools.TempDir();
        var seen = new HashSet<string>();
        try
        {
            for (int run = 0; run < 60; run++)
            {
                long cut = rnd.NextInt64(1, total);
                using var inner = new MemoryBlockDevice(DeviceBytes / 512, 512);
                FatFileSystem.Format(inner, new FatFormatOptions { Label = "CRASH" });
                var crash = new CrashingBlockDevice(inner, cut);
                var fs = FatFileSystem.Open(crash);
                Workload(fs, 7);
                fs.Dispose(); // its writes past the cut are dropped too: the volume stays marked dirty

                string img = Path.Combine(dir, "crash.img");
                FatTools.Save(inner, img);
                var (code, output) = FatTools.Fsck(img);
                var bad = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Where(l => !Allowed.Any(a => a.IsMatch(l.Trim()))).ToList();
                Assert.That(bad, Is.Empty, $"cut after write {cut}/{total}: fsck.fat reported\n{output}");
                foreach (var l in output.Split('\n')) if (l.Length > 0 && !l.StartsWith("fsck.fat") && !l.Contains(" files, ")) seen.Add(Regex.Replace(l, @"\d+", "N"));
                Assert.That(code, Is.AnyOf(0, 1), output);

                using (var reopened = FatFileSystem.Open(inner))
                {
                    reopened.ReadDirectory("/");
                }
                FatTools.Save(inner, img);
                FatTools.AssertClean(img);
            }
        }
        finally { Directory.Delete(dir, true); }
        TestContext.Out.WriteLine("fsck.fat messages seen before repair:\n" + string.Join("\n", seen));
    }
}
