using System.Runtime.InteropServices;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// dd-like sequential I/O from this process for <see cref="MountBenchmarks"/>: 1 MiB write()/read() calls through an
/// unbuffered FileStream from one page-aligned buffer, so BenchmarkDotNet times only the I/O (a fio run would add its
/// ~0.3-0.4 s start-up to every target and pull each ratio towards 1).
/// </summary>
internal static unsafe class SequentialFileIo
{
    private const int Block = 1 << 20;
    private static readonly byte* Buffer = Allocate();

    private static byte* Allocate()
    {
        var buffer = (byte*)NativeMemory.AlignedAlloc(Block, 4096);
        // Incompressible, non-zero content, written once (never freed: one buffer for the process).
        Random.Shared.NextBytes(new Span<byte>(buffer, Block));
        return buffer;
    }

    /// <summary>Writes a new file of <paramref name="bytes"/> (a multiple of 1 MiB) and fsyncs it, like dd conv=fsync.</summary>
    public static void Write(string path, long bytes)
    {
        if (bytes <= 0 || bytes % Block != 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "A positive multiple of 1 MiB.");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new ReadOnlySpan<byte>(Buffer, Block);
        for (long done = 0; done < bytes; done += Block) file.Write(block);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Reads the whole file with sequential-access advice; throws unless exactly <paramref name="bytes"/> came back.</summary>
    public static void Read(string path, long bytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var block = new Span<byte>(Buffer, Block);
        long total = 0;
        int n;
        while ((n = file.Read(block)) > 0) total += n;
        if (total != bytes) throw new InvalidOperationException($"Read {total} bytes of {path}, expected {bytes}.");
    }
}
