using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BlockCrypt.FileSystem;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// FAT32 throughput against the raw block device in the same run: sequential 1 GiB write and read in 1 MiB
/// requests, and random 4 KiB reads, on in-memory devices with 4096-byte sectors. Each category's raw
/// operation is the baseline, so the Ratio column reads "filesystem / raw" (goal: >= 0.9 for sequential).
/// Run: dotnet run -c Release --project benchmarks/BlockCrypt.Benchmarks -- --filter '*FileSystem*'
/// </summary>
[Config(typeof(FileSystemBenchmarkConfig))]
public class FileSystemBenchmarks
{
    private const long DataBytes = 1L << 30;
    private const int Request = 1 << 20;
    private const int RandomReads = 32768;
    private MemoryBlockDevice _raw = null!;
    private MemoryBlockDevice _fatDevice = null!;
    private FatFileSystem _fs = null!;
    private IFileHandle _file = null!;
    private byte[] _buffer = [];
    private long[] _randomOffsets = [];

    [GlobalSetup]
    public void Setup()
    {
        _raw = new MemoryBlockDevice(DataBytes / 4096, 4096);
        // Room for the FATs and a little slack next to the 1 GiB file.
        _fatDevice = new MemoryBlockDevice((DataBytes + (64L << 20)) / 4096, 4096);
        FatFileSystem.Format(_fatDevice, new FatFormatOptions { Label = "BENCH" });
        _fs = FatFileSystem.Open(_fatDevice);
        _file = _fs.OpenFile("/bench.bin", FileOpenMode.Create, true);
        _buffer = new byte[Request];
        new Random(5).NextBytes(_buffer);
        // Fill both once so the read benchmarks read real data.
        for (long off = 0; off < DataBytes; off += Request)
        {
            _raw.Write(off / 4096, _buffer);
            _file.Write(off, _buffer);
        }
        var rnd = new Random(6);
        _randomOffsets = new long[RandomReads];
        for (int i = 0; i < RandomReads; i++) _randomOffsets[i] = rnd.NextInt64(DataBytes / 4096) * 4096;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _file.Dispose();
        _fs.Dispose();
        _fatDevice.Dispose();
        _raw.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SequentialWrite")]
    public void RawSequentialWrite()
    {
        for (long off = 0; off < DataBytes; off += Request) _raw.Write(off / 4096, _buffer);
    }

    /// <summary>Truncates the file to zero first, so every run allocates its 262,144 clusters again.</summary>
    [Benchmark, BenchmarkCategory("SequentialWrite")]
    public void FatSequentialWrite()
    {
        _file.SetLength(0);
        for (long off = 0; off < DataBytes; off += Request) _file.Write(off, _buffer);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SequentialRead")]
    public void RawSequentialRead()
    {
        for (long off = 0; off < DataBytes; off += Request) _raw.Read(off / 4096, _buffer);
    }

    [Benchmark, BenchmarkCategory("SequentialRead")]
    public void FatSequentialRead()
    {
        for (long off = 0; off < DataBytes; off += Request) _file.Read(off, _buffer);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("RandomRead4K")]
    public void RawRandomRead4K()
    {
        var span = _buffer.AsSpan(0, 4096);
        foreach (long off in _randomOffsets) _raw.Read(off / 4096, span);
    }

    [Benchmark, BenchmarkCategory("RandomRead4K")]
    public void FatRandomRead4K()
    {
        var span = _buffer.AsSpan(0, 4096);
        foreach (long off in _randomOffsets) _file.Read(off, span);
    }
}

/// <summary>
/// Few, single-invocation iterations: each operation moves 1 GiB (or 32,768 random reads). In-process, so a run
/// measures the build already made and does not rebuild the solution while other areas change.
/// </summary>
public sealed class FileSystemBenchmarkConfig : ManualConfig
{
    public FileSystemBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(7).WithInvocationCount(1).WithUnrollFactor(1).WithLaunchCount(1)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(StatisticColumn.Median);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        WithOptions(ConfigOptions.JoinSummary);
    }
}
