using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Storage.Tests;

public class BlockDeviceStreamTests
{
    [Test]
    public void WriteAndRead_UnalignedRanges_MatchAByteArrayModel()
    {
        using var dev = new MemoryBlockDevice(32, 512);
        using var stream = new BlockDeviceStream(dev);
        byte[] model = new byte[32 * 512];
        var rng = new Random(1234);
        for (int i = 0; i < 500; i++)
        {
            int offset = rng.Next(model.Length);
            int length = rng.Next(Math.Min(3000, model.Length - offset) + 1);
            byte[] chunk = new byte[length];
            rng.NextBytes(chunk);
            stream.Position = offset;
            stream.Write(chunk);
            chunk.CopyTo(model, offset);

            int rOffset = rng.Next(model.Length);
            int rLength = rng.Next(Math.Min(3000, model.Length - rOffset) + 1);
            byte[] got = new byte[rLength];
            stream.Position = rOffset;
            Assert.That(stream.Read(got), Is.EqualTo(rLength));
            Assert.That(got, Is.EqualTo(model.AsSpan(rOffset, rLength).ToArray()));
        }
    }

    [Test]
    public void Read_AtEnd_ReturnsZero()
    {
        using var dev = new MemoryBlockDevice(2, 512);
        using var stream = new BlockDeviceStream(dev);
        stream.Seek(0, SeekOrigin.End);
        Assert.That(stream.Read(new byte[10]), Is.EqualTo(0));
    }

    [Test]
    public void Write_PastEnd_ThrowsIOException()
    {
        using var dev = new MemoryBlockDevice(2, 512);
        using var stream = new BlockDeviceStream(dev) { Position = 1000 };
        Assert.Throws<IOException>(() => stream.Write(new byte[100]));
    }
}
