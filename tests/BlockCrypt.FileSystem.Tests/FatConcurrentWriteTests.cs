using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>
/// The shared-lock write path: whole-sector writes run concurrently, arrive out of order (as a FUSE writeback stream's
/// requests do on several threads), and ranges not written yet read as zeros and are zero-filled before the entry is
/// stored.
/// </summary>
[TestFixture, Category("Fat")]
public class FatConcurrentWriteTests
{
    private const int Chunk = 64 * 1024;

    private static MemoryBlockDevice NewDevice()
    {
        var dev = new MemoryBlockDevice((64L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        return dev;
    }

    private static byte[] Pattern(int seed, int length)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Test]
    public void Write_ChunksOutOfOrderOnManyThreads_FileEqualsSequentialWrite()
    {
        using var dev = NewDevice();
        const int Chunks = 96;
        byte[] expected = Pattern(1, Chunks * Chunk);
        var order = Enumerable.Range(0, Chunks).OrderBy(_ => Random.Shared.Next()).ToArray();
        using (var fs = FatFileSystem.Open(dev))
        {
            using (var h = fs.OpenFile("/big.bin", FileOpenMode.Create, writable: true))
            {
                Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = 6 },
                    i => h.Write((long)i * Chunk, expected.AsSpan(i * Chunk, Chunk)));
                Assert.That(h.Length, Is.EqualTo(expected.Length));
                var back = new byte[expected.Length];
                Assert.That(h.Read(0, back), Is.EqualTo(back.Length));
                Assert.That(back, Is.EqualTo(expected));
            }
        }
        using var again = FatFileSystem.Open(dev, readOnly: true);
        using var r = again.OpenFile("/big.bin", FileOpenMode.Open, writable: false);
        var disk = new byte[expected.Length];
        Assert.That(r.Read(0, disk), Is.EqualTo(disk.Length));
        Assert.That(disk, Is.EqualTo(expected));
    }

    [Test]
    public void Write_PastEndLeavingGap_GapReadsZerosAndIsZeroOnDiskAfterClose()
    {
        using var dev = NewDevice();
        // Stale bytes in the clusters the file will get: a deleted file's data.
        using (var fs = FatFileSystem.Open(dev))
        {
            using (var h = fs.OpenFile("/old.bin", FileOpenMode.Create, writable: true)) h.Write(0, Pattern(7, 8 * Chunk));
            fs.DeleteFile("/old.bin");
        }
        byte[] tail = Pattern(2, Chunk);
        using (var fs = FatFileSystem.Open(dev))
        {
            using (var h = fs.OpenFile("/sparse.bin", FileOpenMode.Create, writable: true))
            {
                h.Write(3L * Chunk, tail);
                Assert.That(h.Length, Is.EqualTo(4L * Chunk));
                var gap = new byte[3 * Chunk];
                Assert.That(h.Read(0, gap), Is.EqualTo(gap.Length));
                Assert.That(gap.All(b => b == 0), Is.True, "the unwritten gap must read as zeros, not stale cluster data");
                // Part of the gap is written later: it reads back, the rest stays zero.
                h.Write(Chunk, tail);
                var mid = new byte[Chunk];
                h.Read(Chunk, mid);
                Assert.That(mid, Is.EqualTo(tail));
            }
        }
        using var again = FatFileSystem.Open(dev, readOnly: true);
        using var r = again.OpenFile("/sparse.bin", FileOpenMode.Open, writable: false);
        var all = new byte[4 * Chunk];
        Assert.That(r.Read(0, all), Is.EqualTo(all.Length));
        Assert.That(all.AsSpan(0, Chunk).IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
        Assert.That(all.AsSpan(Chunk, Chunk).SequenceEqual(tail), Is.True);
        Assert.That(all.AsSpan(2 * Chunk, Chunk).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "gap zero-filled on disk");
        Assert.That(all.AsSpan(3 * Chunk, Chunk).SequenceEqual(tail), Is.True);
    }

    [Test]
    public void Write_ConcurrentWritersAndReaders_ReadersSeeOnlyWrittenData()
    {
        using var dev = NewDevice();
        const int Chunks = 64;
        // Every chunk is filled with (index + 1): a reader must see a chunk either complete or as zeros past the end.
        using var fs = FatFileSystem.Open(dev);
        using var h = fs.OpenFile("/grow.bin", FileOpenMode.Create, writable: true);
        using var stop = new CancellationTokenSource();
        int badReads = 0;
        var reader = Task.Run(() =>
        {
            var buf = new byte[Chunk];
            while (!stop.IsCancellationRequested)
            {
                long length = h.Length;
                for (long off = 0; off + Chunk <= length; off += Chunk)
                {
                    int n = h.Read(off, buf);
                    byte want = (byte)(off / Chunk + 1);
                    for (int i = 0; i < n; i++)
                        if (buf[i] != want && buf[i] != 0) { Interlocked.Increment(ref badReads); break; }
                }
            }
        });
        Parallel.For(0, Chunks, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var data = new byte[Chunk];
            Array.Fill(data, (byte)(i + 1));
            h.Write((long)i * Chunk, data);
        });
        stop.Cancel();
        reader.Wait();
        Assert.That(badReads, Is.Zero);
        var back = new byte[Chunk];
        for (int i = 0; i < Chunks; i++)
        {
            h.Read((long)i * Chunk, back);
            Assert.That(back.All(b => b == i + 1), Is.True, $"chunk {i}");
        }
    }

    [Test]
    public void Write_ConcurrentThenTruncate_SizeAndFsckClean()
    {
        string dir = FatTools.TempDir();
        try
        {
            using var dev = NewDevice();
            using (var fs = FatFileSystem.Open(dev))
            {
                using var h = fs.OpenFile("/t.bin", FileOpenMode.Create, writable: true);
                Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => h.Write((long)i * Chunk, Pattern(i, Chunk)));
                h.SetLength(10L * Chunk + 100);
                h.Write(20L * Chunk, Pattern(99, Chunk)); // past the end again: a gap of zeros
                h.Flush();
                Assert.That(h.Length, Is.EqualTo(21L * Chunk));
            }
            string image = Path.Combine(dir, "t.img");
            FatTools.Save(dev, image);
            FatTools.AssertClean(image);
            using var again = FatFileSystem.Open(dev, readOnly: true);
            using var r = again.OpenFile("/t.bin", FileOpenMode.Open, writable: false);
            var gap = new byte[10 * Chunk - 100];
            r.Read(10L * Chunk + 100, gap);
            Assert.That(gap.AsSpan().IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
