using BenchmarkDotNet.Attributes;
using BlockCrypt.Crypto;
using BlockCrypt.TestSupport;

namespace BlockCrypt.Benchmarks;

/// <summary>Shared state: a random key, request buffers, our engines per tier and OpenSSL doing the same work.</summary>
public abstract class XtsBenchmarkBase
{
    protected const int MaxSectorSize = 4096;
    private XtsAes? _aesNi;
    private XtsAes? _auto;
    private XtsAes? _portable;
    private OpenSslXts? _openSsl;

    protected byte[] Source { get; private set; } = [];

    protected byte[] Destination { get; private set; } = [];

    protected int SectorSize { get; private set; }

    protected XtsAes AesNi => _aesNi!;

    /// <summary>The tier <see cref="XtsImplementation.Auto"/> picks: VAES on the reference machines (Zen 3), else AES-NI.</summary>
    protected XtsAes Auto => _auto!;

    protected XtsAes Portable => _portable!;

    protected OpenSslXts OpenSsl => _openSsl!;

    protected void Setup(int keySize, int requestSize)
    {
        var random = new Random(1619);
        var key = new byte[keySize];
        random.NextBytes(key);
        Source = new byte[requestSize];
        random.NextBytes(Source);
        Destination = new byte[requestSize];
        SectorSize = Math.Min(requestSize, MaxSectorSize);
        _aesNi = new XtsAes(key, XtsImplementation.AesNi);
        _auto = new XtsAes(key);
        Console.WriteLine($"// Auto tier: {_auto.Implementation}");
        _portable = new XtsAes(key, XtsImplementation.Portable);
        _openSsl = new OpenSslXts(key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aesNi?.Dispose();
        _auto?.Dispose();
        _portable?.Dispose();
        _openSsl?.Dispose();
    }
}

/// <summary>AES-256-XTS, one thread: 512 B, 4 KiB and 1 MiB requests (sectors of min(request, 4 KiB)).</summary>
[Config(typeof(XtsBenchmarkConfig))]
public class XtsAes256Benchmarks : XtsBenchmarkBase
{
    [Params(512, 4096, 1 << 20)]
    public int RequestSize { get; set; }

    [GlobalSetup]
    public void GlobalSetup() => Setup(64, RequestSize);

    [Benchmark(Baseline = true), BenchmarkCategory("Encrypt")]
    public void OpenSsl_Encrypt() => OpenSsl.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void AesNi_Encrypt() => AesNi.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void Auto_Encrypt() => Auto.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void Portable_Encrypt() => Portable.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark(Baseline = true), BenchmarkCategory("Decrypt")]
    public void OpenSsl_Decrypt() => OpenSsl.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void AesNi_Decrypt() => AesNi.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void Auto_Decrypt() => Auto.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void Portable_Decrypt() => Portable.DecryptSectors(Source, Destination, 1000, SectorSize);
}

/// <summary>AES-128-XTS, one thread, 4 KiB requests.</summary>
[Config(typeof(XtsBenchmarkConfig))]
public class XtsAes128Benchmarks : XtsBenchmarkBase
{
    [GlobalSetup]
    public void GlobalSetup() => Setup(32, 4096);

    [Benchmark(Baseline = true), BenchmarkCategory("Encrypt")]
    public void OpenSsl_Encrypt() => OpenSsl.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void AesNi_Encrypt() => AesNi.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void Auto_Encrypt() => Auto.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void Portable_Encrypt() => Portable.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark(Baseline = true), BenchmarkCategory("Decrypt")]
    public void OpenSsl_Decrypt() => OpenSsl.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void AesNi_Decrypt() => AesNi.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void Auto_Decrypt() => Auto.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void Portable_Decrypt() => Portable.DecryptSectors(Source, Destination, 1000, SectorSize);
}

/// <summary>
/// AES-256-XTS 1 MiB requests of 4 KiB sectors: the multi-core entry points against one thread (baseline), on the
/// AES-NI tier and on the tier Auto picks (VAES on the reference machines). The calls come back to back, as a streaming
/// filesystem's do, so the dedicated XTS worker thread is found awake (it spins about 100 µs after each job before
/// parking). Goal on the 2-core machines: speed >= 1.8x one thread, i.e. Ratio <= 0.56.
/// Run alone on a quiet machine: <c>dotnet run -c Release --project benchmarks/BlockCrypt.Benchmarks -- --filter '*XtsParallelBenchmarks*'</c>.
/// </summary>
[Config(typeof(XtsBenchmarkConfig))]
public class XtsParallelBenchmarks : XtsBenchmarkBase
{
    [GlobalSetup]
    public void GlobalSetup() => Setup(64, 1 << 20);

    [Benchmark(Baseline = true), BenchmarkCategory("Encrypt")]
    public void AesNi_Encrypt() => AesNi.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void AesNiParallel_Encrypt() => AesNi.EncryptSectorsParallel(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Encrypt")]
    public void OpenSsl_Encrypt() => OpenSsl.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark(Baseline = true), BenchmarkCategory("Decrypt")]
    public void AesNi_Decrypt() => AesNi.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("Decrypt")]
    public void AesNiParallel_Decrypt() => AesNi.DecryptSectorsParallel(Source, Destination, 1000, SectorSize);

    [Benchmark(Baseline = true), BenchmarkCategory("EncryptAuto")]
    public void Auto_Encrypt() => Auto.EncryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("EncryptAuto")]
    public void AutoParallel_Encrypt() => Auto.EncryptSectorsParallel(Source, Destination, 1000, SectorSize);

    [Benchmark(Baseline = true), BenchmarkCategory("DecryptAuto")]
    public void Auto_Decrypt() => Auto.DecryptSectors(Source, Destination, 1000, SectorSize);

    [Benchmark, BenchmarkCategory("DecryptAuto")]
    public void AutoParallel_Decrypt() => Auto.DecryptSectorsParallel(Source, Destination, 1000, SectorSize);
}
