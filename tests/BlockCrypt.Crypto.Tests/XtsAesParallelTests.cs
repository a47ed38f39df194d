using System.Diagnostics;
using System.Runtime.CompilerServices;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Crypto.Tests;

/// <summary>The multi-core entry points (XtsAes.Parallel.cs, XtsAes.ParallelPool.cs): results, concurrency, idle cost.</summary>
[TestFixture]
public class XtsAesParallelTests
{
    private const int Threshold = XtsAes.ParallelThreshold;

    /// <summary>(request bytes, sector size, first sector): at, just under and just over the threshold, lengths that are
    /// not a multiple of the 16 KiB claim, odd sector sizes, one- and two-sector requests, tweaks crossing 2^32 and 2^64.</summary>
    private static readonly (int Length, int SectorSize, ulong First)[] OddCases =
    [
        (Threshold, 512, 0),
        (Threshold, 4096, 1000),
        (Threshold - 512, 512, 7),
        (Threshold + 512, 512, 0xFFFF_FF00),
        (Threshold + (3 * 4096), 4096, ulong.MaxValue - 40),
        ((1 << 20) + (5 * 512), 512, ulong.MaxValue - 1000),
        ((1 << 20) - 4096, 4096, 3),
        (4112 * 77, 4112, 12345),
        ((65536 + 16) * 9, 65536 + 16, 1),
        (1 << 20, 1 << 20, 99),
        (2 << 20, 1 << 20, ulong.MaxValue),
        ((1 << 20) + 16, 16, 5),
    ];

    private static IEnumerable<TestCaseData> TiersAndCases =>
        from tier in XtsTiers.Supported
        from c in OddCases
        select new TestCaseData(tier, c.Length, c.SectorSize, c.First)
            .SetArgDisplayNames(tier.ToString(), $"{c.Length}B", $"sector{c.SectorSize}", $"first{c.First}");

    [TestCaseSource(nameof(TiersAndCases))]
    public void EncryptSectorsParallel_OddSizes_EqualSingleThreadedAndOpenSsl(XtsImplementation tier, int length, int sectorSize, ulong first)
    {
        var random = new Random(length ^ sectorSize);
        byte[] key = RandomBytes(random, 64);
        byte[] plain = RandomBytes(random, length);
        using var xts = new XtsAes(key, tier);
        var single = new byte[length];
        var parallel = new byte[length];
        xts.EncryptSectors(plain, single, first, sectorSize);
        xts.EncryptSectorsParallel(plain, parallel, first, sectorSize);
        Assert.That(parallel.AsSpan().SequenceEqual(single), Is.True, "parallel encrypt vs one thread");

        using (var openSsl = new OpenSslXts(key))
        {
            var theirs = new byte[length];
            openSsl.EncryptSectors(plain, theirs, first, sectorSize);
            Assert.That(parallel.AsSpan().SequenceEqual(theirs), Is.True, "parallel encrypt vs libcrypto");
        }

        xts.DecryptSectorsParallel(parallel, parallel, first, sectorSize); // in place
        Assert.That(parallel.AsSpan().SequenceEqual(plain), Is.True, "parallel decrypt in place");
    }

    [Test]
    public void EncryptSectorsParallel_ConcurrentCallers_AllGetCorrectResults()
    {
        const int Threads = 4;
        const int Rounds = 25;
        var random = new Random(77);
        using var shared = new XtsAes(RandomBytes(random, 64));
        int[] lengths = [Threshold, 1 << 20, (1 << 20) + 4096, Threshold + (7 * 4096)];
        byte[][] plains = lengths.Select(n => RandomBytes(random, n)).ToArray();
        byte[][] expected = plains.Select(p =>
        {
            var c = new byte[p.Length];
            shared.EncryptSectors(p, c, 500, 4096);
            return c;
        }).ToArray();
        using var barrier = new Barrier(Threads);
        var failures = new List<string>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
                for (int r = 0; r < Rounds; r++)
                {
                    int i = (t + r) % lengths.Length;
                    var buffer = (byte[])plains[i].Clone();
                    shared.EncryptSectorsParallel(buffer, buffer, 500, 4096);
                    if (!buffer.AsSpan().SequenceEqual(expected[i]))
                    {
                        lock (failures) failures.Add($"thread {t} round {r}: encrypt of {lengths[i]} B differs");
                    }

                    shared.DecryptSectorsParallel(buffer, buffer, 500, 4096);
                    if (!buffer.AsSpan().SequenceEqual(plains[i]))
                    {
                        lock (failures) failures.Add($"thread {t} round {r}: decrypt of {lengths[i]} B differs");
                    }
                }
            }
            catch (Exception e)
            {
                lock (failures) failures.Add($"thread {t}: {e}");
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        foreach (Thread th in threads)
        {
            Assert.That(th.Join(TimeSpan.FromMinutes(2)), Is.True, "a caller never returned (deadlock?)");
        }

        Assert.That(failures, Is.Empty);
        if (XtsAes.ParallelPool.WorkerCount > 0)
        {
            Assert.That(XtsAes.ParallelPool.Current!.Threads.Count(), Is.EqualTo(XtsAes.ParallelPool.WorkerCount), "worker threads");
        }
    }

    [Test]
    public void EncryptSectorsParallel_ConcurrentCallersWithOwnEngines_MatchSerial()
    {
        const int Threads = 3;
        var failures = 0;
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var random = new Random(1000 + t);
            using var xts = new XtsAes(RandomBytes(random, t == 1 ? 32 : 64));
            for (int r = 0; r < 20; r++)
            {
                int sectorSize = r % 2 == 0 ? 512 : 4096;
                byte[] plain = RandomBytes(random, (Threshold + (random.Next(0, 200) * 4096)) / sectorSize * sectorSize);
                var single = new byte[plain.Length];
                var parallel = new byte[plain.Length];
                ulong first = (ulong)random.NextInt64();
                xts.EncryptSectors(plain, single, first, sectorSize);
                xts.EncryptSectorsParallel(plain, parallel, first, sectorSize);
                if (!parallel.AsSpan().SequenceEqual(single))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.That(failures, Is.Zero);
    }

    [Test]
    public void EncryptSectorsParallel_AfterRequests_WorkersAreBackgroundAndParkWithoutCpu()
    {
        var random = new Random(5);
        using var xts = new XtsAes(RandomBytes(random, 64));
        var buffer = RandomBytes(random, 1 << 20);
        for (int i = 0; i < 20; i++)
        {
            xts.EncryptSectorsParallel(buffer, buffer, 0, 4096);
        }

        if (XtsAes.ParallelPool.WorkerCount == 0)
        {
            Assert.That(XtsAes.ParallelPool.Current, Is.Null, "a single-core machine starts no worker");
            return;
        }

        Assert.That(XtsAes.ParallelPool.Current!.Threads.All(t => t.IsBackground && t.IsAlive), Is.True);
        // Past the spin (100 µs) the workers park: the whole process stays nearly idle. A worker that kept spinning
        // would burn about the full window. Earlier tests' garbage is collected first, and tiered JIT given time to
        // settle, so that only the workers are left to measure.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(250);
        using var self = Process.GetCurrentProcess();
        TimeSpan before = self.TotalProcessorTime;
        Thread.Sleep(500);
        self.Refresh();
        TimeSpan used = self.TotalProcessorTime - before;
        Assert.That(used, Is.LessThan(TimeSpan.FromMilliseconds(150)), "CPU used by an idle process");
    }

    [Test]
    public void EncryptSectorsParallel_AfterRequest_PoolDoesNotKeepEngineAlive()
    {
        WeakReference engine = RunAndForget();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(engine.IsAlive, Is.False);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunAndForget()
    {
        var xts = new XtsAes(RandomBytes(new Random(3), 64));
        var buffer = new byte[1 << 20];
        xts.DecryptSectorsParallel(buffer, buffer, 0, 4096);
        return new WeakReference(xts);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
