using BenchmarkDotNet.Attributes;
using BlockCrypt.Storage;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Protectors;
using Microsoft.Win32.SafeHandles;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// Sequential 1 MiB reads and writes through <see cref="EncryptedBlockDevice"/> over a volume file on tmpfs (/dev/shm),
/// against plain positional file I/O on the same file in the same run (the Baseline). Goal: encrypted >= 0.75x plain.
/// </summary>
[Config(typeof(VolumeIoBenchmarkConfig))]
[CategoriesColumn]
public class VolumeIoBenchmarks
{
    private const int Request = 1024 * 1024;
    private const int Requests = 64; // 64 MiB per invocation
    private string _dir = "";
    private SafeFileHandle? _plain;
    private UnlockedVolume? _unlocked;
    private IBlockDevice? _device;
    private byte[] _buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "bc-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, "c.img");
        var (unlocked, results) = Volume.Volume.Create(path, new VolumeCreateOptions
        {
            DataSize = (long)Request * Requests, Protectors = [new ProtectorRequest { Kind = ProtectorKind.KeyFile }],
        });
        foreach (var r in results) r.Dispose();
        _unlocked = unlocked;
        _device = unlocked.Device;
        _buffer = GC.AllocateArray<byte>(Request, pinned: true);
        Random.Shared.NextBytes(_buffer);
        for (int i = 0; i < Requests; i++) _device.Write((long)i * Request / _device.SectorSize, _buffer); // allocate tmpfs pages
        _plain = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain?.Dispose();
        _unlocked?.Dispose();
        _unlocked?.Volume.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Requests), BenchmarkCategory("Write")]
    public void PlainWrite()
    {
        for (int i = 0; i < Requests; i++) RandomAccess.Write(_plain!, _buffer, (1L << 20) + (long)i * Request);
    }

    [Benchmark(OperationsPerInvoke = Requests), BenchmarkCategory("Write")]
    public void EncryptedWrite()
    {
        for (int i = 0; i < Requests; i++) _device!.Write((long)i * Request / _device.SectorSize, _buffer);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Requests), BenchmarkCategory("Read")]
    public void PlainRead()
    {
        for (int i = 0; i < Requests; i++) RandomAccess.Read(_plain!, _buffer, (1L << 20) + (long)i * Request);
    }

    [Benchmark(OperationsPerInvoke = Requests), BenchmarkCategory("Read")]
    public void EncryptedRead()
    {
        for (int i = 0; i < Requests; i++) _device!.Read((long)i * Request / _device.SectorSize, _buffer);
    }
}
