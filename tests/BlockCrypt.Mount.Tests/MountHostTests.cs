using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse;
using BlockCrypt.Mount.Host;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>The foreground host in-process over a plain (unencrypted) image: checks, lock, run, unmount.</summary>
[TestFixture, Category("Fuse"), NonParallelizable]
public class MountHostTests
{
    private string _root = null!;
    private string _image = null!;
    private string _mnt = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("bc-host-").FullName;
        _image = Path.Combine(_root, "plain.img");
        _mnt = Directory.CreateDirectory(Path.Combine(_root, "mnt")).FullName;
        using (var f = File.Create(_image)) f.SetLength(64L << 20);
        using var dev = FileBlockDevice.Open(_image, 512);
        FatFileSystem.Format(dev);
    }

    [TearDown]
    public void TearDown()
    {
        if (FuseMount.IsMounted(_mnt)) FuseMount.UnmountPath(_mnt, lazy: true);
        Directory.Delete(_root, recursive: true);
    }

    private MountHostOptions Options(string? mountPoint = null) => new() { Container = _image, MountPoint = mountPoint ?? _mnt };

    private MountSource Unlock() => new(FileBlockDevice.Open(_image, 512));

    [Test]
    public void Run_MountPointProblems_FailBeforeUnlocking()
    {
        bool unlocked = false;
        MountSource Spy() { unlocked = true; return Unlock(); }
        var missing = Assert.Throws<MountException>(() => new MountHost(Options(Path.Combine(_root, "nope"))).Run(Spy));
        Assert.That(missing!.Error, Is.EqualTo(MountError.BadMountPoint));
        Assert.That(missing.Message, Does.Contain("does not exist"));
        File.WriteAllText(Path.Combine(_mnt, "x"), "x");
        var notEmpty = Assert.Throws<MountException>(() => new MountHost(Options()).Run(Spy));
        Assert.That(notEmpty!.Message, Does.Contain("not empty"));
        File.Delete(Path.Combine(_mnt, "x"));
        using (MountLock.Acquire(_image))
        {
            var second = Assert.Throws<MountException>(() => new MountHost(Options()).Run(Spy));
            Assert.That(second!.Error, Is.EqualTo(MountError.AlreadyMounted));
        }
        Environment.SetEnvironmentVariable("BLOCKCRYPT_FUSE_DEVICE", Path.Combine(_root, "no-fuse"));
        try
        {
            var noFuse = Assert.Throws<MountException>(() => new MountHost(Options()).Run(Spy));
            Assert.That(noFuse!.Error, Is.EqualTo(MountError.DriverUnavailable));
            Assert.That(noFuse.Message, Does.Contain("No FUSE device"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BLOCKCRYPT_FUSE_DEVICE", null);
        }
        Assert.That(unlocked, Is.False);
        Assert.That(FuseMount.IsMounted(_mnt), Is.False);
    }

    [Test]
    public void Run_ThenRequestUnmount_ServesFilesAndClosesCleanly()
    {
        var host = new MountHost(Options());
        using var ready = new ManualResetEventSlim();
        host.Mounted += _ => ready.Set();
        int code = -1;
        Exception? failure = null;
        var thread = new Thread(() => { try { code = host.Run(Unlock); } catch (Exception e) { failure = e; } });
        thread.Start();
        try
        {
            Assert.That(ready.Wait(TimeSpan.FromSeconds(20)), Is.True, failure?.ToString());
            File.WriteAllText(Path.Combine(_mnt, "hello.txt"), "through the host");
            var second = Assert.Throws<MountException>(() => MountLock.Acquire(_image));
            Assert.That(second!.Error, Is.EqualTo(MountError.AlreadyMounted));
        }
        finally
        {
            host.RequestUnmount();
            Assert.That(thread.Join(TimeSpan.FromSeconds(30)), Is.True);
        }
        Assert.That(failure, Is.Null);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(FuseMount.IsMounted(_mnt), Is.False);
        var fsck = Shell.Run("fsck.fat", ["-n", _image]);
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
        using var dev = FileBlockDevice.Open(_image, 512, readOnly: true);
        using var fs = FatFileSystem.Open(dev, readOnly: true);
        using var h = fs.OpenFile("/hello.txt", BlockCrypt.FileSystem.FileOpenMode.Open, false);
        Assert.That(h.Length, Is.EqualTo(16));
        using (MountLock.Acquire(_image)) { } // released after the run
    }
}
