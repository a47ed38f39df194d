using System.Text;
using BlockCrypt.Crypto;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests;

public class EncryptedBlockDeviceTests
{
    [TestCase(512)]
    [TestCase(4096)]
    public void Write_RecognizablePattern_NeverInContainer(int sectorSize)
    {
        string dir = Directory.CreateTempSubdirectory("bc-pattern").FullName;
        try
        {
            string path = Path.Combine(dir, "c.img");
            byte[] marker = Encoding.ASCII.GetBytes("BLOCKCRYPT-PLAINTEXT-MARKER-0123456789");
            byte[] data = new byte[2 * 1024 * 1024];
            for (int i = 0; i + marker.Length <= data.Length; i += marker.Length) marker.CopyTo(data, i);
            var (unlocked, results) = Volume.Create(path, new VolumeCreateOptions
            {
                DataSize = data.Length, SectorSize = sectorSize, Protectors = [VolumeTestKit.KeyFileRequest()],
            });
            using (unlocked.Volume)
            using (unlocked)
            {
                unlocked.Device.Write(0, data);          // large: parallel path
                unlocked.Device.Write(3, data.AsSpan(3 * sectorSize, sectorSize)); // small: single-thread path
                unlocked.Device.Flush();
                byte[] back = new byte[data.Length];
                unlocked.Device.Read(0, back);
                Assert.That(back, Is.EqualTo(data));
            }
            foreach (var r in results) r.Dispose();
            byte[] raw = File.ReadAllBytes(path);
            Assert.That(raw.AsSpan().IndexOf(marker.AsSpan(0, 16)), Is.EqualTo(-1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Read_MatchesXtsOfBackingSectors()
    {
        using var backing = new MemoryBlockDevice(64, 512);
        byte[] key = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();
        using var device = new EncryptedBlockDevice(backing, 8, 7, 4096 / 8, key);
        byte[] plain = new byte[512 * 3];
        Random.Shared.NextBytes(plain);
        device.Write(2, plain);
        byte[] cipher = new byte[plain.Length];
        backing.Read(8 + 2, cipher);
        using var xts = new XtsAes(key);
        byte[] expected = new byte[plain.Length];
        xts.EncryptSectors(plain, expected, 2, 512);
        Assert.That(cipher, Is.EqualTo(expected), "tweak = sector number within the data area");
    }

    [Test]
    public void Discard_PassesThroughToBacking()
    {
        using var backing = new MemoryBlockDevice(32, 512);
        backing.GetSpan(0, 32 * 512).Fill(0xAA);
        using var device = new EncryptedBlockDevice(backing, 0, 4, 4096, new byte[32].Select((_, i) => (byte)i).ToArray());
        device.Discard(1, 2);
        Assert.That(backing.GetSpan(8 * 512, 16 * 512).ContainsAnyExcept((byte)0xAA), Is.True);
        Assert.That(backing.GetSpan(0, 8 * 512).ContainsAnyExcept((byte)0xAA), Is.False);
    }
}
