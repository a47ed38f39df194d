using BlockCrypt.Storage;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume.Tests;

/// <summary>Helpers: small in-memory volumes with cheap KDF parameters.</summary>
internal static class VolumeTestKit
{
    public const string Passphrase = "correct horse battery staple";

    /// <summary>A 1 MiB metadata area + <paramref name="dataSize"/> in memory.</summary>
    public static MemoryBlockDevice NewContainer(long dataSize = 256 * 1024) => new((1024 * 1024 + dataSize) / 512, 512);

    public static ProtectorRequest PassphraseRequest(string passphrase = Passphrase) =>
        new() { Kind = ProtectorKind.Passphrase, Secrets = new UnlockCredentials().AddPassphrase(passphrase), Kdf = KdfOptions.Minimal };

    public static ProtectorRequest RecoveryRequest() => new() { Kind = ProtectorKind.Recovery, Kdf = KdfOptions.Minimal };

    public static ProtectorRequest KeyFileRequest() => new() { Kind = ProtectorKind.KeyFile };

    public static UnlockCredentials WithPassphrase(string passphrase = Passphrase) => new UnlockCredentials().AddPassphrase(passphrase);

    /// <summary>Creates a volume with a passphrase protector and returns the container (volume closed).</summary>
    public static MemoryBlockDevice CreatePassphraseVolume(long dataSize = 256 * 1024, int sectorSize = 4096)
    {
        var container = NewContainer(dataSize);
        var (unlocked, results) = Volume.Create(container, new VolumeCreateOptions { SectorSize = sectorSize, Protectors = [PassphraseRequest()] });
        foreach (var r in results) r.Dispose();
        unlocked.Dispose();
        unlocked.Volume.Dispose();
        return container;
    }

    public static byte[] Snapshot(MemoryBlockDevice device) => device.GetSpan(0, (int)(device.SectorCount * device.SectorSize)).ToArray();
}
