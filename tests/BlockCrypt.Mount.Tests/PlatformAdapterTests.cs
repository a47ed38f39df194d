using System.Runtime.InteropServices;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan;
using BlockCrypt.Mount.Dokan.Native;
using BlockCrypt.Mount.Host;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>
/// How the host picks and drives the platform adapter, and the Windows mount-point rules, checked on Linux: the
/// Windows branch is chosen by a parameter, and the Dokan side is driven through its native callback table (nothing
/// loads dokan2.dll).
/// </summary>
[TestFixture, Category("Dokan")]
public unsafe class PlatformAdapterTests
{
    private MemoryBlockDevice _device = null!;
    private FatFileSystem _fs = null!;
    private MountCore _core = null!;

    [SetUp]
    public void SetUp()
    {
        _device = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(_device, new FatFormatOptions { Label = "ADAPT" });
        _fs = FatFileSystem.Open(_device);
        _core = new MountCore(_fs);
    }

    [TearDown]
    public void TearDown()
    {
        _core.Dispose();
        _fs.Dispose();
        _device.Dispose();
    }

    [TestCase("x:", "X:")]
    [TestCase("X:\\", "X:")]
    [TestCase("z:/", "Z:")]
    [TestCase(" D: ", "D:")]
    [TestCase("XY:", null)]
    [TestCase("1:", null)]
    [TestCase("C:\\mnt", null)]
    [TestCase("/mnt/x", null)]
    [TestCase("X", null)]
    public void DriveLetter_RecognizesOnlyBareDriveLetters(string input, string? expected) =>
        Assert.That(MountPointCheck.DriveLetter(input), Is.EqualTo(expected));

    private static string ValidateOnWindows(string mountPoint, params string[] drivesInUse) =>
        MountPointCheck.Validate(mountPoint, windows: true, d => drivesInUse.Contains(d), _ => false);

    [Test]
    public void Validate_Windows_FreeDriveLetterIsAcceptedAndNormalized()
    {
        Assert.That(ValidateOnWindows("q:\\", "C:", "D:"), Is.EqualTo("Q:"));
        Assert.That(MountPointCheck.Normalize("q:", windows: true), Is.EqualTo("Q:"));
    }

    [Test]
    public void Validate_Windows_DriveLetterInUseIsRefusedBeforeAnythingIsUnlocked()
    {
        var e = Assert.Throws<MountException>(() => ValidateOnWindows("d:", "C:", "D:"))!;
        Assert.That(e.Error, Is.EqualTo(MountError.BadMountPoint));
        Assert.That(e.Message, Is.EqualTo("Drive D: is already in use; pick a free drive letter."));
    }

    [Test]
    public void Validate_Windows_FolderRulesStillApply()
    {
        string root = Directory.CreateTempSubdirectory("bc-winmp-").FullName;
        try
        {
            var missing = Assert.Throws<MountException>(() => ValidateOnWindows(Path.Combine(root, "none")))!;
            Assert.That(missing.Error, Is.EqualTo(MountError.BadMountPoint));
            File.WriteAllText(Path.Combine(root, "f"), "x");
            var full = Assert.Throws<MountException>(() => ValidateOnWindows(root))!;
            Assert.That(full.Message, Does.Contain("is not empty"));
            string empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
            Assert.That(ValidateOnWindows(empty + "/"), Is.EqualTo(empty));
            var mounted = Assert.Throws<MountException>(() => MountPointCheck.Validate(empty, windows: true, _ => false, p => p == empty))!;
            Assert.That(mounted.Message, Does.Contain("already mounted"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void Validate_Linux_DriveLetterGetsAOneLineHint()
    {
        Assert.That(Directory.Exists("X:"), Is.False, "precondition: no directory named X: in the working directory");
        var e = Assert.Throws<MountException>(() => MountPointCheck.Validate("X:", windows: false, _ => false, _ => false))!;
        Assert.That(e.Error, Is.EqualTo(MountError.BadMountPoint));
        Assert.That(e.Message, Does.Contain("Windows drive letter").And.Not.Contain("\n"));
    }

    [Test]
    public void Create_PicksDokanOnWindowsAndFuseElsewhere()
    {
        var options = new MountHostOptions { Container = "/nonexistent.bcv", MountPoint = "X:" };
        IMountAdapter windows = MountAdapters.Create(_core, "X:", options, windows: true);
        Assert.That(windows, Is.TypeOf<MountAdapters.DokanAdapter>());
        Assert.That(windows.MountPoint, Is.EqualTo("X:\\"));
        Assert.That(windows.Core, Is.SameAs(_core));

        string dir = Path.Combine(Path.GetTempPath(), "bc-adapter-mnt");
        IMountAdapter linux = MountAdapters.Create(_core, dir + "/", options, windows: false);
        Assert.That(linux, Is.TypeOf<MountAdapters.FuseAdapter>());
        Assert.That(linux.MountPoint, Is.EqualTo(dir));
        Assert.That(linux.Core, Is.SameAs(_core));
    }

    [Test, Platform(Exclude = "Win", Reason = "On Windows Run would really mount through Dokan")]
    public void DokanAdapter_OffWindows_RunRefusesAndUnmountReportsNothing()
    {
        var adapter = (MountAdapters.DokanAdapter)MountAdapters.Create(_core, "X:",
            new MountHostOptions { Container = "/nonexistent.bcv", MountPoint = "X:" }, windows: true);
        var e = Assert.Throws<MountException>(() => adapter.Run())!;
        Assert.That(e.Error, Is.EqualTo(MountError.DriverUnavailable));
        Assert.That(adapter.Unmount(), Is.False);
        Assert.That(DokanMount.IsSupported(out string reason), Is.False);
        Assert.That(reason, Does.Contain("Windows"));
    }

    [Test]
    public void DokanMountedCallback_RaisesTheHostsReadySignal_UnmountedReturnsSuccess()
    {
        var adapter = (MountAdapters.DokanAdapter)MountAdapters.Create(_core, "X:",
            new MountHostOptions { Container = "/nonexistent.bcv", MountPoint = "X:" }, windows: true);
        int ready = 0;
        adapter.Mounted += () => ready++;
        string? reported = null;
        adapter.Mount.Operations.Mounted += mp => reported = mp;
        int unmounted = 0;
        adapter.Mount.Operations.Unmounted += () => unmounted++;

        GCHandle self = GCHandle.Alloc(adapter.Mount.Operations);
        var options = (DOKAN_OPTIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPTIONS));
        var table = (DOKAN_OPERATIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPERATIONS));
        try
        {
            options->GlobalContext = (ulong)(long)GCHandle.ToIntPtr(self);
            DokanCallbacks.Fill(table);
            var info = new DOKAN_FILE_INFO { DokanOptions = options };
            var mounted = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)table->Mounted;
            var down = (delegate* unmanaged<DOKAN_FILE_INFO*, int>)table->Unmounted;
            Assert.That((IntPtr)table->Mounted, Is.Not.EqualTo(IntPtr.Zero));
            fixed (char* mp = "X:\\")
            {
                Assert.That(mounted(mp, &info), Is.EqualTo(NtStatus.Success));
            }
            Assert.That(ready, Is.EqualTo(1));
            Assert.That(reported, Is.EqualTo("X:\\"));
            Assert.That(down(&info), Is.EqualTo(NtStatus.Success));
            Assert.That(unmounted, Is.EqualTo(1));
        }
        finally
        {
            NativeMemory.Free(table);
            NativeMemory.Free(options);
            self.Free();
        }
    }
}
