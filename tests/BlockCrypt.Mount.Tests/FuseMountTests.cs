using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

[TestFixture, Category("Fuse"), NonParallelizable]
public class FuseMountTests
{
    private InProcessFuseMount? _m;

    [SetUp]
    public void SetUp() => _m = new InProcessFuseMount();

    [TearDown]
    public void TearDown() => _m?.Dispose();

    [Test]
    public void ShellTools_CommonOperations_BehaveLikeAnyFilesystem()
    {
        _m!.Start();
        string mp = _m.MountPoint;
        var r = Shell.Bash($"""
            cd '{mp}'
            mkdir -p docs/sub
            printf 'hello fuse\n' > docs/hello.txt
            cp docs/hello.txt docs/sub/copy.txt
            cat docs/sub/copy.txt
            mv docs/sub/copy.txt docs/moved.txt
            touch docs/empty
            truncate -s 10000 docs/empty
            stat -c '%s' docs/empty
            truncate -s 3 docs/moved.txt
            cat docs/moved.txt; echo
            rm docs/hello.txt
            ls -la docs | tail -n +2 | tr -s ' ' | cut -d' ' -f1,9 | sort
            rmdir docs/sub
            ls docs | sort | tr '\n' ' '
            """);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Output, Does.Contain("hello fuse\n"));
        Assert.That(r.Output, Does.Contain("10000\n"));
        Assert.That(r.Output, Does.Contain("hel\n"));
        Assert.That(r.Output, Does.Contain("drwxr-xr-x sub"));
        Assert.That(r.Output, Does.Contain("-rw-r--r-- moved.txt"));
        Assert.That(r.Output, Does.EndWith("empty moved.txt "));
    }

    [Test]
    public void Errors_FailingOperations_ReportTheRightErrno()
    {
        _m!.Start();
        string mp = _m.MountPoint;
        var r = Shell.Bash($"""
            cd '{mp}'
            mkdir d; touch d/f
            rmdir d 2>&1 || true
            cat missing 2>&1 || true
            mkdir d 2>&1 || true
            touch a b
            mv -n a b; ls a
            chmod a-w b; stat -c '%A' b; chmod u+w b; stat -c '%A' b
            """);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Output, Does.Contain("Directory not empty"));
        Assert.That(r.Output, Does.Contain("No such file or directory"));
        Assert.That(r.Output, Does.Contain("File exists"));
        Assert.That(r.Output, Does.Contain("-r--r--r--"));
        Assert.That(r.Output, Does.Contain("-rw-r--r--"));
    }

    [Test]
    public void LargeFile_Dd256MiB_ShaMatchesAfterRemountAndFsckClean()
    {
        _m!.Start();
        string src = Path.Combine(_m.Root, "src.bin");
        var r = Shell.Bash($"""
            head -c 268435456 /dev/urandom > '{src}'
            dd if='{src}' of='{_m.MountPoint}/big.bin' bs=1M conv=fsync status=none
            sha256sum < '{src}' | cut -d' ' -f1
            sha256sum < '{_m.MountPoint}/big.bin' | cut -d' ' -f1
            stat -f -c '%S %b %f' '{_m.MountPoint}'
            """, timeoutSeconds: 600);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string[] lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[1], Is.EqualTo(lines[0]));
        string[] statfs = lines[2].Split(' ');
        long block = long.Parse(statfs[0]), total = long.Parse(statfs[1]), free = long.Parse(statfs[2]);
        Assert.That(block * total, Is.InRange(500L << 20, 512L << 20));
        Assert.That(block * (total - free), Is.GreaterThanOrEqualTo(256L << 20));

        Assert.That(_m.Stop(), Is.EqualTo(0));
        var fsck = Shell.Run("fsck.fat", ["-n", _m.Image]);
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
        _m.Start(readOnly: true);
        var again = Shell.Bash($"sha256sum < '{_m.MountPoint}/big.bin' | cut -d' ' -f1");
        Assert.That(again.Output.Trim(), Is.EqualTo(lines[0]));
    }

    [Test]
    public void ConcurrentWriters_FourProcesses_EveryFileIntact()
    {
        _m!.Start();
        string mp = _m.MountPoint;
        var r = Shell.Bash($"""
            cd '{_m.Root}'
            for i in 1 2 3 4; do head -c $((8*1048576 + i*4097)) /dev/urandom > src$i; done
            for i in 1 2 3 4; do (mkdir -p '{mp}'/w$i && for j in 1 2 3; do cp src$i '{mp}'/w$i/f$j; done) & done
            wait
            for i in 1 2 3 4; do for j in 1 2 3; do cmp src$i '{mp}'/w$i/f$j; done; done
            echo ok
            """);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Output.Trim(), Is.EqualTo("ok"));
        Assert.That(_m.Stop(), Is.EqualTo(0));
        Assert.That(Shell.Run("fsck.fat", ["-n", _m.Image]).ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void ReadOnlyMount_Writes_FailWithEROFS()
    {
        _m!.Start();
        File.WriteAllText(Path.Combine(_m.MountPoint, "keep.txt"), "data");
        _m.Stop();
        _m.Start(readOnly: true);
        var r = Shell.Bash($"cat '{_m.MountPoint}/keep.txt'; echo; touch '{_m.MountPoint}/new' 2>&1 || true");
        Assert.That(r.Output, Does.Contain("data"));
        Assert.That(r.Output, Does.Contain("Read-only file system"));
    }

    [Test]
    public void Mount_AfterRun_ClearsDirtyBitOnUnmount()
    {
        _m!.Start();
        File.WriteAllText(Path.Combine(_m.MountPoint, "x.txt"), "x");
        _m.Stop();
        using var dev = FileBlockDevice.Open(_m.Image, 4096, readOnly: true);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        Assert.That(fs.ReadDirectory("/").Select(e => e.Name), Is.EquivalentTo(new[] { "x.txt" }));
        var fsck = Shell.Run("fsck.fat", ["-n", _m.Image]);
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
        Assert.That(fsck.Output, Does.Not.Contain("dirty"));
    }
}
