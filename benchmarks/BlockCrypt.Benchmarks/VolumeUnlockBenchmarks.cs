using BenchmarkDotNet.Attributes;
using BlockCrypt.Storage;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// Unlock time per protector kind with the DEFAULT calibrated Argon2id cost (about 2 s, up to 1 GiB, 4 lanes) for the
/// passphrase and recovery kinds; the key file uses HKDF. Each invocation is one full Volume.Unlock (KDF, unwrap VMK,
/// metadata MAC, unwrap FVEK) over an in-memory container. Reported in ms.
/// </summary>
[Config(typeof(VolumeUnlockBenchmarkConfig))]
public class VolumeUnlockBenchmarks
{
    private MemoryBlockDevice? _container;
    private Volume.Volume? _volume;
    private UnlockCredentials? _passphrase, _recovery, _keyFile;

    [GlobalSetup]
    public void Setup()
    {
        _container = new MemoryBlockDevice((2L << 20) / 512, 512);
        var kdf = new KdfOptions(); // calibrated default
        var (unlocked, results) = Volume.Volume.Create(_container, new VolumeCreateOptions
        {
            Protectors =
            [
                new ProtectorRequest { Kind = ProtectorKind.Passphrase, Secrets = new UnlockCredentials().AddPassphrase("benchmark passphrase"), Kdf = kdf },
                new ProtectorRequest { Kind = ProtectorKind.Recovery, Kdf = kdf },
                new ProtectorRequest { Kind = ProtectorKind.KeyFile },
            ],
        });
        _passphrase = new UnlockCredentials().AddPassphrase("benchmark passphrase");
        _recovery = new UnlockCredentials().AddRecoveryPassword(results[1].RecoveryPassword!);
        _keyFile = new UnlockCredentials().AddKeyFile(results[2].KeyFile!);
        Console.WriteLine($"// calibrated: {string.Join("; ", unlocked.GetStatus().Protectors.Select(p => p.KindName + " " + p.Details))}");
        foreach (var r in results) r.Dispose();
        unlocked.Dispose();
        unlocked.Volume.Dispose();
        _volume = Volume.Volume.Open(_container);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _volume?.Dispose();
        _container?.Dispose();
        _passphrase?.Dispose();
        _recovery?.Dispose();
        _keyFile?.Dispose();
    }

    [Benchmark]
    public void UnlockPassphrase() => _volume!.Unlock(_passphrase!).Dispose();

    [Benchmark]
    public void UnlockRecoveryPassword() => _volume!.Unlock(_recovery!).Dispose();

    [Benchmark]
    public void UnlockKeyFile() => _volume!.Unlock(_keyFile!).Dispose();
}
