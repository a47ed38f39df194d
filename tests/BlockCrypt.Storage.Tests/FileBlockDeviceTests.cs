using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Storage.Tests;

public partial class FileBlockDeviceTests
{
    private string _path = "";

    [SetUp]
    public void SetUp() => _path = Path.Combine(Path.GetTempPath(), $"bc-fbd-{Guid.NewGuid():N}.img");

    [TearDown]
    public void TearDown() => File.Delete(_path);

    private void CreateFile(long length)
    {
        using var fs = new FileStream(_path, FileMode.CreateNew);
        fs.SetLength(length);
    }

    [Test]
    public void Open_WholeFile_ReportsGeometry()
    {
        CreateFile(1 << 20);
        using var dev = FileBlockDevice.Open(_path, 4096);
        Assert.Multiple(() =>
        {
            Assert.That(dev.SectorSize, Is.EqualTo(4096));
            Assert.That(dev.SectorCount, Is.EqualTo(256));
            Assert.That(dev.IsReadOnly, Is.False);
        });
    }

    [Test]
    public void Open_LengthNotWholeSectors_ThrowsBlockDeviceException()
    {
        CreateFile(4096 + 100);
        Assert.Throws<BlockDeviceException>(() => FileBlockDevice.Open(_path, 4096));
    }

    [Test]
    public void WriteFlushRead_WithBaseOffset_LandsAtOffset()
    {
        CreateFile(3 << 20);
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        using (var dev = new FileBlockDevice(handle, 1 << 20, 256, 4096, readOnly: false))
        {
            byte[] data = new byte[8192];
            Random.Shared.NextBytes(data);
            dev.Write(10, data);
            dev.Flush();
            byte[] back = new byte[8192];
            dev.Read(10, back);
            Assert.That(back, Is.EqualTo(data));
            byte[] raw = new byte[8192];
            RandomAccess.Read(handle, raw, (1 << 20) + 10 * 4096);
            Assert.That(raw, Is.EqualTo(data));
        }
    }

    [Test]
    public void ConcurrentWrites_DisjointRanges_AllLand()
    {
        CreateFile(4 << 20);
        using var dev = FileBlockDevice.Open(_path, 4096);
        Parallel.For(0, 64, i =>
        {
            byte[] buf = Enumerable.Repeat((byte)i, 4096 * 4).ToArray();
            dev.Write(i * 4, buf);
        });
        byte[] back = new byte[4096 * 4];
        for (int i = 0; i < 64; i++)
        {
            dev.Read(i * 4, back);
            Assert.That(back, Is.All.EqualTo((byte)i));
        }
    }

    [Test]
    public void Discard_Range_ReadsZerosAndKeepsLength()
    {
        CreateFile(1 << 20);
        using (var dev = FileBlockDevice.Open(_path, 4096))
        {
            dev.Write(0, Enumerable.Repeat((byte)0x5A, 1 << 20).ToArray());
            dev.Discard(16, 32);
            byte[] back = new byte[32 * 4096];
            dev.Read(16, back);
            Assert.That(back, Is.All.EqualTo(0));
            byte[] kept = new byte[4096];
            dev.Read(15, kept);
            Assert.That(kept, Is.All.EqualTo(0x5A));
        }
        Assert.That(new FileInfo(_path).Length, Is.EqualTo(1 << 20));
    }

    [Test]
    public void Write_ReadOnlyDevice_Throws()
    {
        CreateFile(1 << 16);
        using var dev = FileBlockDevice.Open(_path, 4096, readOnly: true);
        Assert.Throws<BlockDeviceException>(() => dev.Write(0, new byte[4096]));
    }
}
