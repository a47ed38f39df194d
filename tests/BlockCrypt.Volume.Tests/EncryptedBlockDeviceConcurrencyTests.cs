using BlockCrypt.Crypto;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests;

/// <summary>
/// Overlapping requests (a multithreaded mount) stay on their own threads and share the device's scratch buffers; a lone
/// large request is still split across cores. Either way the backing device holds XTS of the sector numbers.
/// </summary>
public class EncryptedBlockDeviceConcurrencyTests
{
    private static readonly byte[] Key = Enumerable.Range(7, 64).Select(i => (byte)i).ToArray();

    [Test]
    public void WriteAndRead_ManyThreadsDisjointRanges_CiphertextIsXtsAndDataRoundTrips()
    {
        const int Sector = 4096, Chunk = 1 << 20, Chunks = 24;
        using var backing = new MemoryBlockDevice((long)Chunks * Chunk / 512, 512);
        using var device = new EncryptedBlockDevice(backing, 0, (long)Chunks * Chunk / Sector, Sector, Key);
        byte[] plain = new byte[Chunks * Chunk];
        new Random(5).NextBytes(plain);
        // Rounds of concurrent writers, then concurrent readers, so requests overlap (inline path) and run alone.
        Parallel.For(0, Chunks, new ParallelOptions { MaxDegreeOfParallelism = 6 },
            i => device.Write((long)i * Chunk / Sector, plain.AsSpan(i * Chunk, Chunk)));
        device.Write(0, plain.AsSpan(0, Chunk)); // alone again after the burst (either path must agree)

        using var xts = new XtsAes(Key);
        byte[] expected = new byte[plain.Length];
        xts.EncryptSectors(plain, expected, 0, Sector);
        Assert.That(backing.GetSpan(0, plain.Length).SequenceEqual(expected), Is.True, "backing = XTS(plain, tweak = sector)");

        byte[] back = new byte[plain.Length];
        Parallel.For(0, Chunks, new ParallelOptions { MaxDegreeOfParallelism = 6 },
            i => device.Read((long)i * Chunk / Sector, back.AsSpan(i * Chunk, Chunk)));
        Assert.That(back, Is.EqualTo(plain));
        Array.Clear(back);
        device.Read(0, back);
        Assert.That(back, Is.EqualTo(plain));
    }

    [Test]
    public void Write_AfterBurst_AllocatesNoScratchPerRequest()
    {
        const int Sector = 4096, Chunk = 1 << 20;
        using var backing = new MemoryBlockDevice(16L * Chunk / 512, 512);
        using var device = new EncryptedBlockDevice(backing, 0, 16L * Chunk / Sector, Sector, Key);
        byte[] data = new byte[Chunk];
        new Random(9).NextBytes(data);
        // Warm up: scratch buffers are created by the first overlapping requests and then kept.
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => device.Write(i % 16 * (long)(Chunk / Sector), data));
        var threads = new Thread[2];
        long allocated = 0;
        for (int t = 0; t < threads.Length; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 32; i++) device.Write((id * 8 + i % 8) * (long)(Chunk / Sector), data);
                Interlocked.Add(ref allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            });
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        // 64 requests of 1 MiB: a scratch buffer per request would be 64 MiB.
        Assert.That(allocated, Is.LessThan(4L << 20));
    }
}
