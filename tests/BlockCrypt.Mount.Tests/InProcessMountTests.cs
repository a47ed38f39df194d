using System.Diagnostics;
using System.Text.RegularExpressions;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse;
using BlockCrypt.Mount.Host;
using BlockCrypt.Volume;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary><see cref="InProcessMount"/> on real FUSE mounts of encrypted containers, and its interplay with the CLI.</summary>
[TestFixture, Category("Fuse"), NonParallelizable]
public partial class InProcessMountTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<LibraryVolume> _volumes = [];
    private readonly List<int> _cliHosts = [];

    private LibraryVolume NewVolume()
    {
        var v = new LibraryVolume();
        _volumes.Add(v);
        return v;
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var v in _volumes) v.Dispose();
        _volumes.Clear();
        foreach (int pid in _cliHosts)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                if (!p.WaitForExit(10_000)) { p.Kill(); p.WaitForExit(5_000); }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        _cliHosts.Clear();
    }

    [Test]
    public void Start_WriteDismountRemount_FilesIntactAndFsckClean()
    {
        var v = NewVolume();
        byte[] data = new byte[3 * 1048576 + 12345];
        Random.Shared.NextBytes(data);
        var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        Assert.That(m.IsMounted, Is.True);
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.True);
        Assert.That(m.MountPoint, Is.EqualTo(v.MountPoint));
        Assert.That(m.ContainerPath, Is.EqualTo(v.Container));
        Assert.That(m.VolumeId, Is.EqualTo(v.VolumeId));
        Assert.That(m.ReadOnly, Is.False);
        Assert.That(InProcessMount.Active, Does.Contain(m));
        Assert.That(InProcessMount.FindByMountPoint(v.MountPoint + "/"), Is.SameAs(m));
        Assert.That(InProcessMount.FindByContainer(Path.Combine(v.Root, ".", "vol.bc")), Is.SameAs(m));
        Assert.That(MountLock.FindHost(v.MountPoint), Is.EqualTo(Environment.ProcessId));
        Assert.That(MountLock.FindMountOf(v.Container), Is.EqualTo(new MountLock.MountRecord(Environment.ProcessId, v.MountPoint, InProcess: true)));

        Directory.CreateDirectory(Path.Combine(v.MountPoint, "dir"));
        File.WriteAllBytes(Path.Combine(v.MountPoint, "dir", "data.bin"), data);
        File.WriteAllText(Path.Combine(v.MountPoint, "note.txt"), "in-process");
        m.Dismount();

        Assert.That(m.IsMounted, Is.False);
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        Assert.That(InProcessMount.Active, Does.Not.Contain(m));
        Assert.That(InProcessMount.FindByMountPoint(v.MountPoint), Is.Null);
        Assert.That(MountLock.FindHost(v.MountPoint), Is.Null);
        Assert.That(MountLock.FindMountOf(v.Container), Is.Null);
        using (MountLock.Acquire(v.Container)) { } // released
        var fsck = v.Fsck();
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
        Assert.That(fsck.Output, Does.Not.Contain("Dirty bit"), fsck.ToString());

        using var again = InProcessMount.Start(v.Options(readOnly: true), v.Unlocker(readOnly: true), StartTimeout);
        Assert.That(again.ReadOnly, Is.True);
        Assert.That(File.ReadAllBytes(Path.Combine(v.MountPoint, "dir", "data.bin")), Is.EqualTo(data));
        Assert.That(File.ReadAllText(Path.Combine(v.MountPoint, "note.txt")), Is.EqualTo("in-process"));
        var readOnly = Assert.Throws<IOException>(() => File.WriteAllText(Path.Combine(v.MountPoint, "x"), "x"));
        Assert.That(readOnly!.Message, Does.Contain("Read-only file system"));
        again.Dismount();
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
    }

    [Test]
    public void Start_SameContainerTwice_SecondRefusedBeforeUnlockFirstUnaffected()
    {
        var v = NewVolume();
        using var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        var e = Assert.Throws<MountException>(() => InProcessMount.Start(v.Options(v.OtherMountPoint), v.Unlocker(), StartTimeout));
        Assert.That(e!.Error, Is.EqualTo(MountError.AlreadyMounted));
        Assert.That(v.UnlockCalls, Is.EqualTo(1));
        Assert.That(FuseMount.IsMounted(v.OtherMountPoint), Is.False);
        Assert.That(InProcessMount.Active.Count(a => a.ContainerPath == v.Container), Is.EqualTo(1));
        File.WriteAllText(Path.Combine(v.MountPoint, "still.txt"), "works");
        Assert.That(File.ReadAllText(Path.Combine(v.MountPoint, "still.txt")), Is.EqualTo("works"));
    }

    [Test]
    public void Start_WrongPassphrase_ThrowsWrongCredentialAndLeavesNothingMounted()
    {
        var v = NewVolume();
        var e = Assert.Throws<VolumeException>(() => InProcessMount.Start(v.Options(), v.Unlocker("wrong passphrase"), StartTimeout));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.WrongCredential));
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        Assert.That(InProcessMount.FindByContainer(v.Container), Is.Null);
        Assert.That(MountLock.FindHost(v.MountPoint), Is.Null);
        using (MountLock.Acquire(v.Container)) { } // the lock was released
        using var ok = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        Assert.That(ok.IsMounted, Is.True);
    }

    [Test]
    public void Start_NonEmptyOrMissingMountPoint_RefusedBeforeUnlockNothingMounted()
    {
        var v = NewVolume();
        File.WriteAllText(Path.Combine(v.MountPoint, "occupied"), "x");
        var notEmpty = Assert.Throws<MountException>(() => InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout));
        Assert.That(notEmpty!.Error, Is.EqualTo(MountError.BadMountPoint));
        Assert.That(notEmpty.Message, Does.Contain("not empty"));
        var missing = Assert.Throws<MountException>(() => InProcessMount.Start(v.Options(Path.Combine(v.Root, "nope")), v.Unlocker(), StartTimeout));
        Assert.That(missing!.Error, Is.EqualTo(MountError.BadMountPoint));
        Assert.That(v.UnlockCalls, Is.EqualTo(0));
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        Assert.That(InProcessMount.FindByContainer(v.Container), Is.Null);
        using (MountLock.Acquire(v.Container)) { }
    }

    [Test]
    public void Dispose_Twice_NoErrorAndDismountAfterwardsIsANoOp()
    {
        var v = NewVolume();
        var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        File.WriteAllText(Path.Combine(v.MountPoint, "a.txt"), "a");
        m.Dispose();
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        Assert.DoesNotThrow(m.Dispose);
        Assert.DoesNotThrow(() => m.Dismount());
        Assert.That(m.IsMounted, Is.False);
        var fsck = v.Fsck();
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
    }

    [Test]
    public void Dismount_BusyMountPoint_RefusedUntilTheFileIsClosed()
    {
        var v = NewVolume();
        using var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        string file = Path.Combine(v.MountPoint, "open.txt");
        using (var stream = new FileStream(file, FileMode.Create, FileAccess.ReadWrite))
        {
            stream.Write("held open"u8);
            stream.Flush();
            var e = Assert.Throws<MountException>(() => m.Dismount());
            Assert.That(e!.Error, Is.EqualTo(MountError.MountFailed));
            Assert.That(e.Message, Does.Contain("busy"));
            Assert.That(m.IsMounted, Is.True);
        }
        m.Dismount();
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        Assert.That(v.Fsck().ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void DismountAll_TwoMounts_NothingLeftMountedAndBothClean()
    {
        var a = NewVolume();
        var b = NewVolume();
        var ma = InProcessMount.Start(a.Options(), a.Unlocker(), StartTimeout);
        var mb = InProcessMount.Start(b.Options(), b.Unlocker(), StartTimeout);
        File.WriteAllText(Path.Combine(a.MountPoint, "a.txt"), "a");
        File.WriteAllText(Path.Combine(b.MountPoint, "b.txt"), "b");
        Assert.That(InProcessMount.Active, Does.Contain(ma).And.Contain(mb));
        InProcessMount.DismountAll();
        Assert.That(InProcessMount.Active, Is.Empty);
        Assert.That(FuseMount.IsMounted(a.MountPoint) || FuseMount.IsMounted(b.MountPoint), Is.False);
        Assert.That(a.Fsck().ExitCode, Is.EqualTo(0));
        Assert.That(b.Fsck().ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void DismountAll_WorkingDirectoryInsideTheMount_MovesOutAndClosesCleanly()
    {
        var v = NewVolume();
        var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        Directory.CreateDirectory(Path.Combine(v.MountPoint, "sub"));
        string saved = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = Path.Combine(v.MountPoint, "sub");
            InProcessMount.DismountAll(TimeSpan.FromSeconds(20));
            Assert.That(Environment.CurrentDirectory, Is.EqualTo("/"));
        }
        finally
        {
            Environment.CurrentDirectory = saved;
        }
        Assert.That(m.IsMounted, Is.False);
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        var fsck = v.Fsck();
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
        Assert.That(fsck.Output + fsck.Error, Does.Not.Contain("Dirty bit"));
    }

    [Test]
    public void StaticUnmount_InProcessMountOfThisProcess_DismountsIt()
    {
        var v = NewVolume();
        var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        File.WriteAllText(Path.Combine(v.MountPoint, "x.txt"), "x");
        MountHost.Unmount(v.MountPoint);
        Assert.That(m.IsMounted, Is.False, "Unmount returns after the volume is closed");
        Assert.That(FuseMount.IsMounted(v.MountPoint), Is.False);
        var e = Assert.Throws<MountException>(() => MountHost.Unmount(v.MountPoint));
        Assert.That(e!.Error, Is.EqualTo(MountError.NotMounted));
    }

    [Test]
    public void CliUnmount_OfThisProcessInProcessMount_ReturnsOnceTheVolumeIsClosed()
    {
        var v = NewVolume();
        var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        File.WriteAllBytes(Path.Combine(v.MountPoint, "data.bin"), new byte[1 << 20]);
        var clock = Stopwatch.StartNew();
        var un = CliVolume.Cli(["unmount", v.MountPoint]);
        clock.Stop();
        Assert.That(un.ExitCode, Is.EqualTo(0), un.ToString());
        // Without the in-process record the CLI would wait 60 s for this (living) process to exit.
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(MountLock.FindHost(v.MountPoint), Is.Null, "the record goes when the volume is closed");
        Assert.That(SpinWait.SpinUntil(() => !m.IsMounted, 5_000), Is.True);
        Assert.DoesNotThrow(() => m.Dismount());
        var fsck = v.Fsck();
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
    }

    [Test]
    public void CliMountAndInProcessMount_SameContainer_RefuseEachOther()
    {
        var v = NewVolume();
        var cli = CliVolume.Cli(["mount", v.Container, v.OtherMountPoint, "--passphrase-stdin"], LibraryVolume.Passphrase + "\n");
        Match pid = HostPid().Match(cli.Output);
        if (pid.Success) _cliHosts.Add(int.Parse(pid.Groups[1].Value));
        Assert.That(cli.ExitCode, Is.EqualTo(0), cli.ToString());
        Assert.That(MountLock.FindMountOf(v.Container), Is.EqualTo(new MountLock.MountRecord(int.Parse(pid.Groups[1].Value), v.OtherMountPoint, InProcess: false)));
        var refused = Assert.Throws<MountException>(() => InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout));
        Assert.That(refused!.Error, Is.EqualTo(MountError.AlreadyMounted));
        Assert.That(v.UnlockCalls, Is.EqualTo(0));
        Assert.That(CliVolume.Cli(["unmount", v.OtherMountPoint]).ExitCode, Is.EqualTo(0));

        using var m = InProcessMount.Start(v.Options(), v.Unlocker(), StartTimeout);
        var second = CliVolume.Cli(["mount", v.Container, v.OtherMountPoint, "--passphrase-stdin"], LibraryVolume.Passphrase + "\n");
        Assert.That(second.ExitCode, Is.EqualTo(13), second.ToString());
        Assert.That(second.Error, Does.Contain("already mounted"));
        Assert.That(FuseMount.IsMounted(v.OtherMountPoint), Is.False);
        Assert.That(m.IsMounted, Is.True);
    }

    [GeneratedRegex(@"host pid (\d+)")]
    private static partial Regex HostPid();
}
