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

    [TestCase(512, 3)]
    [TestCase(4096, 1)]
    [TestCase(4096, 256)]   // 1 MiB: also the split-across-cores path when the request runs alone
    public void Read_FromCachedFileAndThroughRead_GiveTheSamePlaintext(int sectorSize, int sectors)
    {
        // The same container file read through its page-cache mapping (decrypt straight from the cache) and through
        // pread-then-decrypt-in-place (mapping turned off): both must give what was written.
        string path = Path.Combine(Path.GetTempPath(), $"bc-resident-{Guid.NewGuid():N}.img");
        try
        {
            using (var fs = new FileStream(path, FileMode.CreateNew)) fs.SetLength(4 << 20);
            byte[] key = Enumerable.Range(7, 64).Select(i => (byte)i).ToArray();
            byte[] plain = new byte[sectorSize * sectors];
            Random.Shared.NextBytes(plain);
            long first = 5;
            using var mapped = FileBlockDevice.Open(path, 512);
            using var copied = new FileBlockDevice(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite), 0, mapped.SectorCount, 512,
                readOnly: false, ownsHandle: true) { AllowResidentReads = false };
            using var viaCache = new EncryptedBlockDevice(mapped, 16, (2 << 20) / sectorSize, sectorSize, key);
            using var viaRead = new EncryptedBlockDevice(copied, 16, (2 << 20) / sectorSize, sectorSize, key);
            viaRead.Write(first, plain);
            unsafe
            {
                Assert.That(mapped.TryGetResident(16 + (first * sectorSize / 512), plain.Length) != null, Is.True,
                    "the written ciphertext is in the page cache, so the cached path is the one under test");
            }

            byte[] a = new byte[plain.Length];
            byte[] b = new byte[plain.Length];
            viaCache.Read(first, a);
            viaRead.Read(first, b);
            Assert.That(a, Is.EqualTo(plain));
            Assert.That(b, Is.EqualTo(plain));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public unsafe void Read_BackingOffersResidentSectors_DecryptsFromThemOtherwiseReads(bool resident)
    {
        // A backing device whose Read returns garbage but whose resident view holds the real ciphertext: the plaintext
        // is right only if the encrypted device decrypts from the resident view when offered one (and reads otherwise).
        using var backing = new ResidentOnlyDevice(64, 512, offerResident: resident);
        byte[] key = Enumerable.Range(3, 64).Select(i => (byte)i).ToArray();
        using var device = new EncryptedBlockDevice(backing, 8, 7, 4096, key);
        byte[] plain = new byte[4096 * 2];
        Random.Shared.NextBytes(plain);
        device.Write(1, plain);
        byte[] back = new byte[plain.Length];
        device.Read(1, back);
        if (resident)
        {
            Assert.That(back, Is.EqualTo(plain));
            Assert.That(backing.Reads, Is.Zero);
        }
        else
        {
            Assert.That(back, Is.Not.EqualTo(plain), "Read's garbage was decrypted");
            Assert.That(backing.Reads, Is.EqualTo(1));
        }
    }

    /// <summary>Memory device whose Read returns 0x5A bytes; its resident view is the true content.</summary>
    private sealed unsafe class ResidentOnlyDevice(long sectors, int sectorSize, bool offerResident) : IBlockDevice, IResidentReadable
    {
        private readonly MemoryBlockDevice _inner = new(sectors, sectorSize);
        private readonly byte* _pinned = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(sectors * sectorSize));

        public int Reads { get; private set; }
        public int SectorSize => _inner.SectorSize;
        public long SectorCount => _inner.SectorCount;
        public bool IsReadOnly => false;
        public bool CanDiscard => false;

        public void Read(long firstSector, Span<byte> destination)
        {
            Reads++;
            destination.Fill(0x5A);
        }

        public void Write(long firstSector, ReadOnlySpan<byte> source) => source.CopyTo(new Span<byte>(_pinned + (firstSector * SectorSize), source.Length));
        public void Flush() { }
        public void Discard(long firstSector, long sectorCount) { }
        public byte* TryGetResident(long firstSector, int byteCount) => offerResident ? _pinned + (firstSector * SectorSize) : null;

        public void Dispose()
        {
            System.Runtime.InteropServices.NativeMemory.Free(_pinned);
            _inner.Dispose();
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
