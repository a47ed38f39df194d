using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.TestSupport;
using Perfolizer.Horology;

namespace BlockCrypt.Benchmarks;

/// <summary>A short job reported in milliseconds for TPM round trips (swtpm, so timings are of the protocol, not a chip).</summary>
public sealed class TpmBenchmarkConfig : ManualConfig
{
    public TpmBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(10).WithLaunchCount(1)
            .WithIterationTime(TimeInterval.FromMilliseconds(500))
            // In-process: the measured work is socket round trips, and it spares a second build on a busy machine.
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(StatisticColumn.Median);
        SummaryStyle = SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond);
    }
}

/// <summary>
/// TPM protector unlock latency against a private swtpm: open the connection, create the SRK on demand (ECC P-256),
/// start a salted policy session, PolicyPCR (+PolicyAuthValue), load the sealed object, unseal with response
/// encryption, flush everything. Goal: under 150 ms.
/// </summary>
[Config(typeof(TpmBenchmarkConfig))]
public class TpmUnlockBenchmarks
{
    private SwtpmInstance? _tpm;
    private TpmSealer? _sealer;
    private TpmSealedObject? _plain;
    private TpmSealedObject? _withPin;
    private readonly byte[] _secret = new byte[32];
    private readonly byte[] _out = new byte[32];
    private static readonly byte[] Pin = "123456"u8.ToArray();

    [GlobalSetup]
    public void Setup()
    {
        _tpm = SwtpmInstance.Start();
        _sealer = TpmSealer.ForDevice(_tpm.DeviceSpec);
        Random.Shared.NextBytes(_secret);
        _plain = _sealer.Seal(_secret, PcrSelection.Default, []);
        _withPin = _sealer.Seal(_secret, new PcrSelection([7, 11]), Pin);
    }

    [GlobalCleanup]
    public void Cleanup() => _tpm?.Dispose();

    /// <summary>Unseal of a PCR-7 object without PIN.</summary>
    [Benchmark(Baseline = true)]
    public int UnsealPcr7() => _sealer!.Unseal(_plain!, [], _out);

    /// <summary>Unseal of a PCR 7,11 object with a PIN.</summary>
    [Benchmark]
    public int UnsealPcr7And11WithPin() => _sealer!.Unseal(_withPin!, Pin, _out);
}
