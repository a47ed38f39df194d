using BlockCrypt.FileSystem;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

[TestFixture]
public class CoreTests
{
    [TestCase("", "/"), TestCase("/", "/"), TestCase("\\a\\b\\", "/a/b"), TestCase("a/b", "/a/b"), TestCase("/a//", "/a")]
    public void Normalize_NativePaths_FileSystemForm(string input, string expected) =>
        Assert.That(MountPath.Normalize(input), Is.EqualTo(expected));

    [Test]
    public void ErrorMapping_EveryFileSystemError_HasErrnoAndNtStatus()
    {
        foreach (FileSystemError e in Enum.GetValues<FileSystemError>())
        {
            Assert.That(ErrorMapping.ToErrno(e), Is.GreaterThan(0), e.ToString());
            Assert.That(ErrorMapping.ToNtStatus(e), Is.LessThan(0), e.ToString());
        }
        Assert.That(ErrorMapping.ToErrno(new FileSystemException(FileSystemError.NotFound, "x")), Is.EqualTo(Errno.ENOENT));
        Assert.That(ErrorMapping.ToErrno(new BlockDeviceException("x")), Is.EqualTo(Errno.EIO));
        Assert.That(ErrorMapping.ToErrno(new InvalidOperationException()), Is.EqualTo(Errno.EIO));
        Assert.That(ErrorMapping.ToNtStatus(new FileSystemException(FileSystemError.DirectoryNotEmpty, "x")), Is.EqualTo(NtStatus.DirectoryNotEmpty));
        Assert.That(ErrorMapping.ToNtStatus(new MountException(MountError.InvalidHandle, "x")), Is.EqualTo(NtStatus.InvalidHandle));
    }

    [Test]
    public void HandleTable_AddGetRemove_RejectsStaleAndFull()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        using var fs = FatFileSystem.Open(dev);
        var table = new HandleTable(2);
        ulong a = table.Add(fs.OpenFile("/a", FileOpenMode.CreateNew, true), "/a", true);
        ulong b = table.Add(fs.OpenFile("/b", FileOpenMode.CreateNew, true), "/b", false);
        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(table.IsWritable(a), Is.True);
        Assert.That(table.IsWritable(b), Is.False);
        var ex = Assert.Throws<MountException>(() => table.Add(fs.OpenFile("/c", FileOpenMode.CreateNew, true), "/c", true));
        Assert.That(ex!.Error, Is.EqualTo(MountError.TooManyOpenFiles));
        table.Remove(a).Dispose();
        Assert.That(Assert.Throws<MountException>(() => table.Get(a))!.Error, Is.EqualTo(MountError.InvalidHandle));
        ulong c = table.Add(fs.OpenFile("/a", FileOpenMode.Open, true), "/a", true);
        Assert.That((uint)c, Is.EqualTo((uint)a), "slot reused");
        Assert.Throws<MountException>(() => table.Get(a), "stale generation");
        Assert.Throws<MountException>(() => table.Get(0));
        Assert.That(table.RemoveAll(), Has.Count.EqualTo(2));
        Assert.That(table.Count, Is.Zero);
    }

    [Test]
    public void Rename_OntoEmptyDirectoryWithReplace_ReplacesIt()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        using var fs = FatFileSystem.Open(dev);
        using var core = new MountCore(fs);
        fs.CreateDirectory("/src");
        fs.CreateDirectory("/dst");
        Assert.That(Assert.Throws<FileSystemException>(() => core.Rename("/src", "/dst", replace: false))!.Error, Is.EqualTo(FileSystemError.AlreadyExists));
        core.Rename("/src", "/dst", replace: true);
        Assert.That(fs.ReadDirectory("/").Select(e => e.Name), Is.EquivalentTo(new[] { "dst" }));
    }
}
