using NUnit.Framework;
namespace BlockCrypt.Crypto.Tests;

[TestFixture]
public class XtsAesRoundTripTests
{
    private static IEnumerable<TestCaseData> TiersAndKeySizes =>
        from tier in XtsTiers.Supported
        from keySize in new[] { 32, 64 }
        select new TestCaseData(tier, keySize).SetArgDisplayNames(tier.ToString(), $"key{keySize}");

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] RandomKey(Random random, int keySize) => RandomBytes(random, keySize);

    [TestCaseSource(nameof(TiersAndKeySizes))]
    public void EncryptSectors_BatchBoundaryLengths_MatchPortableAndRoundTrip(XtsImplementation tier, int keySize)
    {
        var random = new Random(1619 + keySize);
        byte[] key = RandomKey(random, keySize);
        using var xts = new XtsAes(key, tier);
        using var portable = new XtsAes(key, XtsImplementation.Portable);
        // 1..9 blocks, then 8n-1, 8n, 8n+1 around several batch multiples.
        int[] blockCounts = Enumerable.Range(1, 9).Concat(new[] { 15, 16, 17, 23, 24, 25, 31, 32, 33, 255, 256, 257 }).ToArray();
        foreach (int blocks in blockCounts)
        {
            int sectorSize = blocks * 16;
            byte[] plain = RandomBytes(random, sectorSize * 3);
            var cipher = new byte[plain.Length];
            var expected = new byte[plain.Length];
            xts.EncryptSectors(plain, cipher, 0xFFFF_FFFE, sectorSize);
            portable.EncryptSectors(plain, expected, 0xFFFF_FFFE, sectorSize);
            Assert.That(cipher, Is.EqualTo(expected), $"{blocks} blocks");
            var back = new byte[plain.Length];
            xts.DecryptSectors(cipher, back, 0xFFFF_FFFE, sectorSize);
            Assert.That(back, Is.EqualTo(plain), $"{blocks} blocks");
        }
    }

    [TestCaseSource(nameof(TiersAndKeySizes))]
    public void EncryptSectors_InPlace_EqualsOutOfPlace(XtsImplementation tier, int keySize)
    {
        var random = new Random(77 + keySize);
        using var xts = new XtsAes(RandomKey(random, keySize), tier);
        foreach (int sectorSize in new[] { 16, 512, 4096, 65536 })
        {
            byte[] plain = RandomBytes(random, sectorSize * 2);
            var outOfPlace = new byte[plain.Length];
            xts.EncryptSectors(plain, outOfPlace, 42, sectorSize);
            byte[] inPlace = (byte[])plain.Clone();
            xts.EncryptSectors(inPlace, inPlace, 42, sectorSize);
            Assert.That(inPlace, Is.EqualTo(outOfPlace));
            xts.DecryptSectors(inPlace, inPlace, 42, sectorSize);
            Assert.That(inPlace, Is.EqualTo(plain));
        }
    }

    [TestCaseSource(nameof(TiersAndKeySizes))]
    public void EncryptDataUnit_EveryLength16To300_RoundTripsInPlaceAndMatchesPortable(XtsImplementation tier, int keySize)
    {
        var random = new Random(300 + keySize);
        byte[] key = RandomKey(random, keySize);
        using var xts = new XtsAes(key, tier);
        using var portable = new XtsAes(key, XtsImplementation.Portable);
        for (int length = 16; length <= 300; length++)
        {
            byte[] plain = RandomBytes(random, length);
            UInt128 tweak = new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64());
            var cipher = new byte[length];
            var expected = new byte[length];
            xts.EncryptDataUnit(plain, cipher, tweak);
            portable.EncryptDataUnit(plain, expected, tweak);
            Assert.That(cipher, Is.EqualTo(expected), $"length {length}");
            byte[] inPlace = (byte[])cipher.Clone();
            xts.DecryptDataUnit(inPlace, inPlace, tweak);
            Assert.That(inPlace, Is.EqualTo(plain), $"length {length}");
        }
    }

    [TestCaseSource(nameof(TiersAndKeySizes))]
    public void EncryptSectors_ConsecutiveSectors_EqualsOneCallPerSector(XtsImplementation tier, int keySize)
    {
        var random = new Random(5 + keySize);
        using var xts = new XtsAes(RandomKey(random, keySize), tier);
        byte[] plain = RandomBytes(random, 512 * 5);
        var whole = new byte[plain.Length];
        ulong first = ulong.MaxValue - 2; // crosses 2^64: the fourth sector's tweak is 2^64 (carry into the high half)
        xts.EncryptSectors(plain, whole, first, 512);
        for (int i = 0; i < 5; i++)
        {
            var one = new byte[512];
            xts.EncryptDataUnit(plain.AsSpan(i * 512, 512), one, (UInt128)first + (UInt128)i);
            Assert.That(one, Is.EqualTo(whole.AsSpan(i * 512, 512).ToArray()), $"sector {i}");
        }
    }

    [TestCaseSource(nameof(TiersAndKeySizes))]
    public void EncryptSectorsParallel_LargeRequests_EqualSingleThreaded(XtsImplementation tier, int keySize)
    {
        var random = new Random(9 + keySize);
        using var xts = new XtsAes(RandomKey(random, keySize), tier);
        foreach ((int length, int sectorSize) in new[] { (1 << 20, 4096), (XtsAes.ParallelThreshold, 512), (3 << 20, 1 << 20), (XtsAes.ParallelThreshold - 4096, 4096), (600 * 1024, 65536 + 16) })
        {
            int usable = length / sectorSize * sectorSize;
            byte[] plain = RandomBytes(random, usable);
            var single = new byte[usable];
            var parallel = new byte[usable];
            xts.EncryptSectors(plain, single, 1000, sectorSize);
            xts.EncryptSectorsParallel(plain, parallel, 1000, sectorSize);
            Assert.That(parallel, Is.EqualTo(single), $"{usable} bytes / {sectorSize}");
            xts.DecryptSectorsParallel(parallel, parallel, 1000, sectorSize);
            Assert.That(parallel, Is.EqualTo(plain));
        }
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_ConcurrentCallers_AllGetCorrectResults(XtsImplementation tier)
    {
        var random = new Random(31);
        using var xts = new XtsAes(RandomKey(random, 64), tier);
        byte[] plain = RandomBytes(random, 64 * 1024);
        var expected = new byte[plain.Length];
        xts.EncryptSectors(plain, expected, 7, 4096);
        int failures = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var output = new byte[plain.Length];
            xts.EncryptSectors(plain, output, 7, 4096);
            if (!output.AsSpan().SequenceEqual(expected))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.That(failures, Is.Zero);
    }
}
