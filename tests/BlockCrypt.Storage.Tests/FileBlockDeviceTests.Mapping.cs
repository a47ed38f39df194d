using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.Storage.Tests;

/// <summary>Zero-copy reads of cached ranges (FileBlockDevice.Mapping.cs); the mapping is Linux-only.</summary>
public unsafe partial class FileBlockDeviceTests
{
    [Test]
    public void TryGetResident_WrittenRange_ShowsTheSameBytesAsReadAndLaterWrites()
    {
        Assert.That(OperatingSystem.IsLinux(), "the mapping is Linux-only; this suite runs on Linux");
        CreateFile(3 << 20);
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        using var dev = new FileBlockDevice(handle, (1 << 20) + 4096, 256, 4096, readOnly: false);
        byte[] data = new byte[8192];
        Random.Shared.NextBytes(data);
        dev.Write(10, data);

        byte* p = dev.TryGetResident(10, data.Length);
        Assert.That(p != null, Is.True, "just-written pages are in the page cache");
        Assert.That(new ReadOnlySpan<byte>(p, data.Length).SequenceEqual(data), Is.True);

        // Writes through pwrite show through the mapping.
        Random.Shared.NextBytes(data);
        dev.Write(10, data);
        Assert.That(new ReadOnlySpan<byte>(p, data.Length).SequenceEqual(data), Is.True);
        byte[] raw = new byte[data.Length];
        RandomAccess.Read(handle, raw, (1 << 20) + 4096 + (10 * 4096));
        Assert.That(raw, Is.EqualTo(data));
    }

    [Test]
    public void TryGetResident_BaseOffsetNotPageAligned_PointsAtTheRightBytes()
    {
        CreateFile(2 << 20);
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        using var dev = new FileBlockDevice(handle, (1 << 20) + 512, 1024, 512, readOnly: false);
        byte[] data = new byte[3 * 512];
        Random.Shared.NextBytes(data);
        dev.Write(7, data);
        byte* p = dev.TryGetResident(7, data.Length);
        Assert.That(p != null, Is.True);
        Assert.That(new ReadOnlySpan<byte>(p, data.Length).SequenceEqual(data), Is.True);
        byte[] raw = new byte[data.Length];
        RandomAccess.Read(handle, raw, (1 << 20) + 512 + (7 * 512));
        Assert.That(raw, Is.EqualTo(data));
    }

    [Test]
    public void TryGetResident_UntouchedHole_ReturnsNullAndReadStillWorks()
    {
        CreateFile(1 << 20); // sparse: no page of it has ever been in memory
        using var dev = FileBlockDevice.Open(_path, 4096);
        Assert.That(dev.TryGetResident(100, 4096) == null, Is.True);
        byte[] back = new byte[4096];
        dev.Read(100, back);
        Assert.That(back.All(b => b == 0), Is.True);
    }

    [Test]
    public void TryGetResident_PastTheFileEnd_ReturnsNull()
    {
        CreateFile(64 * 4096);
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        // A device longer than its file (the tail reads as zeros): the mapping stops at the file's end.
        using var dev = new FileBlockDevice(handle, 0, 128, 4096, readOnly: false);
        dev.Write(63, new byte[4096]);
        Assert.That(dev.TryGetResident(63, 4096) != null, Is.True);
        Assert.That(dev.TryGetResident(63, 2 * 4096) == null, Is.True);
        Assert.That(dev.TryGetResident(100, 4096) == null, Is.True);
    }

    [Test]
    public void TryGetResident_TurnedOffOrDisposed_ReturnsNull()
    {
        CreateFile(1 << 20);
        using (var off = new FileBlockDevice(File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite), 0, 256, 4096, readOnly: false, ownsHandle: true)
        {
            AllowResidentReads = false,
        })
        {
            off.Write(0, new byte[4096]);
            Assert.That(off.TryGetResident(0, 4096) == null, Is.True);
        }

        var dev = FileBlockDevice.Open(_path, 4096);
        dev.Write(0, new byte[4096]);
        Assert.That(dev.TryGetResident(0, 4096) != null, Is.True);
        dev.Dispose();
        Assert.That(dev.TryGetResident(0, 4096) == null, Is.True, "the mapping is gone after Dispose");
    }

    [Test]
    public void TryGetResident_BadRange_Throws()
    {
        CreateFile(1 << 20);
        using var dev = FileBlockDevice.Open(_path, 4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.TryGetResident(255, 8192));
        Assert.Throws<ArgumentException>(() => dev.TryGetResident(0, 100));
    }
}
