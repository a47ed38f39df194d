using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Storage.Tests;

public class MemoryBlockDeviceTests
{
    [Test]
    public void WriteThenRead_SameSectors_ReturnsData()
    {
        using var dev = new MemoryBlockDevice(16, 512);
        byte[] data = new byte[1024];
        Random.Shared.NextBytes(data);
        dev.Write(3, data);
        byte[] back = new byte[1024];
        dev.Read(3, back);
        Assert.That(back, Is.EqualTo(data));
    }

    [TestCase(0, 100)]
    [TestCase(0, 513)]
    public void Read_PartialSector_ThrowsArgumentException(long sector, int length)
    {
        using var dev = new MemoryBlockDevice(16, 512);
        Assert.Throws<ArgumentException>(() => dev.Read(sector, new byte[length]));
    }

    [TestCase(-1)]
    [TestCase(15)]
    [TestCase(16)]
    public void Write_PastEnd_ThrowsOutOfRange(long sector)
    {
        using var dev = new MemoryBlockDevice(16, 512);
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.Write(sector, new byte[1024]));
    }

    [Test]
    public void Write_ReadOnly_ThrowsBlockDeviceException()
    {
        using var dev = new MemoryBlockDevice(4, 512) { IsReadOnly = true };
        Assert.Throws<BlockDeviceException>(() => dev.Write(0, new byte[512]));
    }

    [Test]
    public void Discard_Range_ReadsZeros()
    {
        using var dev = new MemoryBlockDevice(4, 512);
        dev.Write(0, Enumerable.Repeat((byte)0xAB, 2048).ToArray());
        dev.Discard(1, 2);
        byte[] back = new byte[2048];
        dev.Read(0, back);
        Assert.Multiple(() =>
        {
            Assert.That(back[..512], Is.All.EqualTo(0xAB));
            Assert.That(back[512..1536], Is.All.EqualTo(0));
            Assert.That(back[1536..], Is.All.EqualTo(0xAB));
        });
    }

    [TestCase(256)]
    [TestCase(1000)]
    [TestCase(131072)]
    public void Constructor_BadSectorSize_Throws(int sectorSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBlockDevice(4, sectorSize));
    }
}
