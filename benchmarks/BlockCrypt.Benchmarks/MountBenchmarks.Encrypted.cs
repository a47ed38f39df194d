using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Benchmarks;

public partial class MountBenchmarks
{
    // The encrypted target: a new AES-256-XTS volume (startup-key protector: no KDF cost) on tmpfs, its unlocked
    // EncryptedBlockDevice formatted FAT32 and mounted exactly like the plain baseline.
    private static BenchMount StartEncrypted(string root, long bytes)
    {
        string container = Path.Combine(root, "encrypted.bc");
        var (unlocked, protectors) = Volume.Volume.Create(container, new VolumeCreateOptions
        {
            DataSize = bytes,
            Protectors = [new ProtectorRequest { Kind = ProtectorKind.KeyFile }],
        });
        foreach (var p in protectors) p.Dispose();
        FatFileSystem.Format(unlocked.Device, new FatFormatOptions { Label = "ENCRYPTED" });
        return BenchMount.Start(unlocked.Device, new Owner(unlocked), Path.Combine(root, "encrypted-mnt"));
    }

    private sealed class Owner(UnlockedVolume unlocked) : IDisposable
    {
        public void Dispose()
        {
            Volume.Volume volume = unlocked.Volume;
            unlocked.Dispose();
            volume.Dispose();
        }
    }
}
