using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse;
using BlockCrypt.Storage;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// Throughput through the FUSE mount: sequential 1 GiB write of a new file (1 MiB write() calls from this process, fsync
/// at the end; the old file is deleted before each iteration, untimed), sequential 1 GiB read (1 MiB read() calls, page
/// cache dropped before each iteration), both dd-like through <see cref="SequentialFileIo"/> so only the I/O is timed,
/// and 16384 random 4 KiB O_DIRECT reads with fio (psync). Targets in the same run: the encrypted volume's mount, the
/// same FAT32 mount over an unencrypted FileBlockDevice (the Baseline of each category, so Ratio = target / plain mount)
/// and a plain tmpfs directory; the Speed column gives MB/s (10^6 bytes/s) or IOPS and "vs tmpfs" the speed relative to
/// tmpfs (the IOPS from the wall time of the whole fio run, start-up included). All backing files live on tmpfs
/// (/dev/shm). Needs root and /dev/fuse.
/// fio's I/O buffer is page-aligned (--iomem=mmap) for every target: its default malloc buffer starts 16 bytes past a page
/// boundary, and the kernel's copy into a destination that is not 64-byte aligned runs at about a quarter of its speed on
/// these machines (measured: a 1 GiB tmpfs read 1.5 GB/s with the default buffer, 6.5 GB/s page-aligned; dd, whose buffer
/// is page-aligned, 7-9 GB/s), which hid the mounts' own speed behind the reader's.
/// Run: dotnet run -c Release --project benchmarks/BlockCrypt.Benchmarks -- --filter '*MountBenchmarks*'
/// On a shared machine prefer the interleaved rounds of <see cref="MountAbComparison"/> (--mount-ab).
/// </summary>
[Config(typeof(MountBenchmarkConfig))]
public partial class MountBenchmarks
{
    private const long FileBytes = 1L << 30;
    private const int RandomReads = 16384;
    private string _root = "";
    private BenchMount? _plain;
    private BenchMount? _encrypted;
    private string _tmpfsDir = "";

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateDirectory(Path.Combine("/dev/shm", "bc-mount-bench-" + Environment.ProcessId)).FullName;
        _tmpfsDir = Directory.CreateDirectory(Path.Combine(_root, "tmpfs")).FullName;
        string image = Path.Combine(_root, "plain.img");
        using (var f = File.Create(image)) f.SetLength(FileBytes + (256L << 20));
        using (var d = FileBlockDevice.Open(image, 4096)) FatFileSystem.Format(d, new FatFormatOptions { Label = "PLAIN" });
        _plain = BenchMount.Start(FileBlockDevice.Open(image, 4096), null, Path.Combine(_root, "plain-mnt"));
        _encrypted = StartEncrypted(_root, FileBytes + (256L << 20));
        // The read benchmarks read what the write benchmarks wrote; write it once here so any order works.
        foreach (string dir in Dirs()) SequentialFileIo.Write(Data(dir), FileBytes);
    }

    private IEnumerable<string> Dirs() => new[] { _tmpfsDir, _plain!.MountPoint, _encrypted?.MountPoint }.OfType<string>();

    internal string EncryptedDir => Enc();
    internal string PlainDir => _plain!.MountPoint;
    internal string TmpfsDir => _tmpfsDir;

    [GlobalCleanup]
    public void Cleanup()
    {
        _encrypted?.Dispose();
        _plain?.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [IterationSetup(Targets = [nameof(SeqRead_Encrypted), nameof(SeqRead_PlainMount), nameof(SeqRead_Tmpfs),
        nameof(RandRead4K_Encrypted), nameof(RandRead4K_PlainMount), nameof(RandRead4K_Tmpfs)])]
    public void DropCaches() => DropCachesNow();

    // A new file each time: allocation is part of what is measured, as for cp of a large file.
    [IterationSetup(Targets = [nameof(SeqWrite_Encrypted), nameof(SeqWrite_PlainMount), nameof(SeqWrite_Tmpfs)])]
    public void DeleteWritten()
    {
        foreach (string dir in Dirs()) File.Delete(Data(dir));
    }

    [Benchmark, BenchmarkCategory("SeqWrite1GiB")] public void SeqWrite_Encrypted() => SequentialFileIo.Write(Data(Enc()), FileBytes);
    [Benchmark(Baseline = true), BenchmarkCategory("SeqWrite1GiB")] public void SeqWrite_PlainMount() => SequentialFileIo.Write(Data(_plain!.MountPoint), FileBytes);
    [Benchmark, BenchmarkCategory("SeqWrite1GiB")] public void SeqWrite_Tmpfs() => SequentialFileIo.Write(Data(_tmpfsDir), FileBytes);

    [Benchmark, BenchmarkCategory("SeqRead1GiB")] public void SeqRead_Encrypted() => SequentialFileIo.Read(Data(Enc()), FileBytes);
    [Benchmark(Baseline = true), BenchmarkCategory("SeqRead1GiB")] public void SeqRead_PlainMount() => SequentialFileIo.Read(Data(_plain!.MountPoint), FileBytes);
    [Benchmark, BenchmarkCategory("SeqRead1GiB")] public void SeqRead_Tmpfs() => SequentialFileIo.Read(Data(_tmpfsDir), FileBytes);

    private static string Data(string dir) => Path.Combine(dir, "fio.bin");

    [Benchmark(OperationsPerInvoke = RandomReads), BenchmarkCategory("RandRead4KiB")] public void RandRead4K_Encrypted() => RandRead(Enc());
    [Benchmark(Baseline = true, OperationsPerInvoke = RandomReads), BenchmarkCategory("RandRead4KiB")] public void RandRead4K_PlainMount() => RandRead(_plain!.MountPoint);
    [Benchmark(OperationsPerInvoke = RandomReads), BenchmarkCategory("RandRead4KiB")] public void RandRead4K_Tmpfs() => RandRead(_tmpfsDir);

    internal static void DropCachesNow() => File.WriteAllText("/proc/sys/vm/drop_caches", "3");

    /// <summary>
    /// Writes a new 1 GiB file in <paramref name="dir"/>; MB/s (10^6 bytes/s) as fio measures it: its job runtime, which
    /// includes the end fsync but not fio's own start-up (about 0.3 s here, which would pull every ratio towards 1).
    /// </summary>
    internal static double SeqWriteFresh(string dir)
    {
        File.Delete(Data(dir));
        return Fio(dir, "write", "1M", "--end_fsync=1").WriteKiBs * 1024 / 1e6;
    }

    /// <summary>Reads the 1 GiB file; MB/s as fio measures it.</summary>
    internal static double SeqRead(string dir) => Fio(dir, "read", "1M").ReadKiBs * 1024 / 1e6;

    /// <summary>Random 4 KiB O_DIRECT reads; IOPS as fio reports them.</summary>
    internal static double RandRead(string dir) => Fio(dir, "randread", "4k", "--direct=1", $"--number_ios={RandomReads}").ReadIops;

    private string Enc() => _encrypted?.MountPoint ?? throw new InvalidOperationException("No encrypted mount.");

    private static (double ReadKiBs, double ReadIops, double WriteKiBs) Fio(string dir, string rw, string bs, params string[] extra)
    {
        var psi = new ProcessStartInfo("fio") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--name=bench", $"--filename={Data(dir)}", $"--rw={rw}", $"--bs={bs}",
                     $"--size={FileBytes}", "--ioengine=psync", "--iomem=mmap", "--numjobs=1", "--randrepeat=1", "--output-format=terse", "--terse-version=3" })
            psi.ArgumentList.Add(a);
        foreach (string a in extra) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"fio {rw} in {dir} failed: {error.Result}");
        // Terse v3: field 7 = read bandwidth KiB/s, 8 = read IOPS, 48 = write bandwidth KiB/s (1-based).
        string[] f = output.Trim().Split(';');
        if (f.Length <= 48) throw new InvalidOperationException($"fio {rw} in {dir}: unexpected output: {output}");
        var inv = CultureInfo.InvariantCulture;
        return (double.Parse(f[6], inv), double.Parse(f[7], inv), double.Parse(f[47], inv));
    }
}

/// <summary>One monitored run per iteration: each invocation is seconds of fio, so no pilot or unrolling.</summary>
public sealed class MountBenchmarkConfig : ManualConfig
{
    public MountBenchmarkConfig()
    {
        // In-process: the mounts live in this process, and no second build of the solution runs on a busy machine.
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5)
            .WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(StatisticColumn.Median, new MountSpeedColumn(vsTmpfs: false), new MountSpeedColumn(vsTmpfs: true));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
    }
}

/// <summary>A FatFileSystem over a block device served by FuseMount on its own thread.</summary>
internal sealed class BenchMount : IDisposable
{
    private readonly IBlockDevice _device;
    private readonly IDisposable? _owner;
    private readonly FatFileSystem _fs;
    private readonly MountCore _core;
    private readonly FuseMount _mount;
    private readonly Thread _thread;

    private BenchMount(IBlockDevice device, IDisposable? owner, string mountPoint)
    {
        _device = device;
        _owner = owner;
        Directory.CreateDirectory(mountPoint);
        _fs = FatFileSystem.Open(device);
        _core = new MountCore(_fs);
        _mount = new FuseMount(_core, mountPoint, new FuseMountOptions { AutoUnmount = true });
        _thread = new Thread(() => _mount.Run()) { IsBackground = true, Name = "fuse-" + Path.GetFileName(mountPoint) };
        _thread.Start();
        if (!_mount.Ready.WaitOne(TimeSpan.FromSeconds(30))) throw new InvalidOperationException("FUSE mount did not come up.");
        // Ready is set by FUSE_INIT; the read-ahead raise runs right after on the thread pool.
        Thread.Sleep(200);
    }

    public string MountPoint => _mount.MountPoint;

    public static BenchMount Start(IBlockDevice device, IDisposable? owner, string mountPoint) => new(device, owner, mountPoint);

    public void Dispose()
    {
        if (!_mount.Unmount()) _mount.Unmount(lazy: true);
        _thread.Join(TimeSpan.FromSeconds(30));
        _core.Dispose();
        _fs.Dispose();
        // The owner (the unlocked volume) disposes its own device and zeroes the keys.
        if (_owner is null) _device.Dispose();
        else _owner.Dispose();
    }
}
