using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Storage;
using BlockCrypt.TestSupport;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
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
    private MemoryBlockDevice? _container;
    private UnlockCredentials? _tpmUnlock;

    [GlobalSetup]
    public void Setup()
    {
        _tpm = SwtpmInstance.Start();
        _sealer = TpmSealer.ForDevice(_tpm.DeviceSpec);
        Random.Shared.NextBytes(_secret);
        _plain = _sealer.Seal(_secret, PcrSelection.Default, []);
        _withPin = _sealer.Seal(_secret, new PcrSelection([7, 11]), Pin);

        // A volume whose only protector is a PIN-less TPM protector (1 MiB metadata + 64 KiB data, in memory).
        _container = new MemoryBlockDevice((1024 * 1024 + 64 * 1024) / 512, 512);
        var secrets = new UnlockCredentials();
        secrets.Set(new TpmCredential(_tpm.DeviceSpec));
        var (unlocked, results) = Volume.Volume.Create(_container, new VolumeCreateOptions
        {
            Protectors = [new ProtectorRequest { Kind = ProtectorKind.Tpm, Secrets = secrets, Kdf = KdfOptions.Minimal }],
        });
        foreach (var r in results) r.Dispose();
        unlocked.Dispose();
        unlocked.Volume.Dispose();
        _tpmUnlock = new UnlockCredentials();
        _tpmUnlock.Set(new TpmCredential(_tpm.DeviceSpec));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tpmUnlock?.Dispose();
        _tpm?.Dispose();
    }

    /// <summary>The whole volume unlock through the TPM protector: open, unseal, HKDF, unwrap VMK, check MAC, unwrap FVEK.</summary>
    [Benchmark]
    public Guid VolumeUnlockViaTpm()
    {
        using var volume = Volume.Volume.Open(_container!);
        using var unlocked = volume.Unlock(_tpmUnlock!);
        return unlocked.UnlockedBy;
    }

    /// <summary>Unseal of a PCR-7 object without PIN.</summary>
    [Benchmark(Baseline = true)]
    public int UnsealPcr7() => _sealer!.Unseal(_plain!, [], _out);

    /// <summary>Unseal of a PCR 7,11 object with a PIN.</summary>
    [Benchmark]
    public int UnsealPcr7And11WithPin() => _sealer!.Unseal(_withPin!, Pin, _out);
}
