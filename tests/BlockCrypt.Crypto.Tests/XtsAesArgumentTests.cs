using NUnit.Framework;
using System.Security.Cryptography;

namespace BlockCrypt.Crypto.Tests;

[TestFixture]
public class XtsAesArgumentTests
{
    private static readonly byte[] Key64 = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();

    [TestCase(0)]
    [TestCase(16)]
    [TestCase(31)]
    [TestCase(33)]
    [TestCase(48)]
    [TestCase(63)]
    [TestCase(65)]
    public void Constructor_WrongKeyLength_ThrowsArgumentException(int length)
    {
        var ex = Assert.Throws<ArgumentException>(() => new XtsAes(new byte[length]));
        Assert.That(ex!.Message, Does.Contain("32 bytes").And.Contain("64 bytes"));
    }

    [TestCase(32)]
    [TestCase(64)]
    public void Constructor_EqualHalves_ThrowsCryptographicException(int length)
    {
        var key = new byte[length];
        for (int i = 0; i < length / 2; i++)
        {
            key[i] = key[i + (length / 2)] = (byte)(i * 7);
        }

        var ex = Assert.Throws<CryptographicException>(() => new XtsAes(key));
        Assert.That(ex!.Message, Does.Contain("halves"));
    }

    [Test]
    public void Constructor_UnsupportedTier_ThrowsPlatformNotSupportedException()
    {
        XtsImplementation[] unsupported = new[] { XtsImplementation.AesNi, XtsImplementation.Arm }
            .Where(t => !XtsAes.IsSupported(t)).ToArray();
        Assert.That(unsupported, Is.Not.Empty, "one of AES-NI / ARM is always unsupported on a given CPU");
        foreach (XtsImplementation tier in unsupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => new XtsAes(Key64, tier));
        }
    }

    [Test]
    public void Constructor_UndefinedTier_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new XtsAes(Key64, (XtsImplementation)42));
        Assert.That(XtsAes.IsSupported((XtsImplementation)42), Is.False);
        Assert.That(XtsAes.IsSupported(XtsImplementation.Portable) && XtsAes.IsSupported(XtsImplementation.Auto), Is.True);
    }

    [Test]
    public void IsSupported_Vaes_OnExactlyTheCpusAndRuntimesThatHaveIt()
    {
        // The tier is on wherever the CPU has VAES and the runtime AVX2 + VPCLMULQDQ (Linux x86-64), unless its
        // start-up self-test against the AES-NI kernels failed: then this test fails, so a broken kernel cannot
        // silently drop the tier (and with it the VAES cases of every tier test).
        bool expected = OperatingSystem.IsLinux()
            && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
            && System.Runtime.Intrinsics.X86.Aes.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported
            && System.Runtime.Intrinsics.X86.Pclmulqdq.V256.IsSupported
            && (System.Runtime.Intrinsics.X86.X86Base.CpuId(7, 0).Ecx & (1 << 9)) != 0;
        Assert.That(XtsAes.IsSupported(XtsImplementation.Vaes), Is.EqualTo(expected));
        if (expected)
        {
            Assert.That(XtsAes.BestImplementation, Is.EqualTo(XtsImplementation.Vaes));
        }
    }

    [Test]
    public void Constructor_Auto_PicksBestTierAndReportsKeySize()
    {
        using var xts = new XtsAes(Key64);
        Assert.That(xts.Implementation, Is.EqualTo(XtsAes.BestImplementation));
        Assert.That(xts.Implementation, Is.Not.EqualTo(XtsImplementation.Auto));
        Assert.That(xts.KeySize, Is.EqualTo(64));
        using var xts128 = new XtsAes(Key64.AsSpan(0, 32));
        Assert.That(xts128.KeySize, Is.EqualTo(32));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_BadSectorSizes_ThrowArgumentOutOfRange(XtsImplementation tier)
    {
        using var xts = new XtsAes(Key64, tier);
        var buffer = new byte[4096];
        foreach (int size in new[] { 0, -16, 8, 15, 17, 520, XtsAes.MaxSectorSize + 16, int.MaxValue })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => xts.EncryptSectors(buffer, buffer, 0, size), $"size {size}");
            Assert.That(ex!.ParamName, Is.EqualTo("sectorSize"));
            Assert.Throws<ArgumentOutOfRangeException>(() => xts.DecryptSectors(buffer, buffer, 0, size));
        }
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_SourceNotWholeSectors_ThrowsArgumentException(XtsImplementation tier)
    {
        using var xts = new XtsAes(Key64, tier);
        var ex = Assert.Throws<ArgumentException>(() => xts.EncryptSectors(new byte[1000], new byte[1000], 0, 512));
        Assert.That(ex!.Message, Does.Contain("whole number"));
        Assert.Throws<ArgumentException>(() => xts.DecryptSectors(new byte[4112], new byte[4112], 0, 4096));
        Assert.Throws<ArgumentException>(() => xts.EncryptSectorsParallel(new byte[1000], new byte[1000], 0, 512));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_DestinationLengthDiffers_ThrowsArgumentException(XtsImplementation tier)
    {
        using var xts = new XtsAes(Key64, tier);
        Assert.Throws<ArgumentException>(() => xts.EncryptSectors(new byte[1024], new byte[1023], 0, 512));
        var ex = Assert.Throws<ArgumentException>(() => xts.DecryptSectors(new byte[1024], new byte[2048], 0, 512));
        Assert.That(ex!.ParamName, Is.EqualTo("destination"));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_PartialOverlap_ThrowsArgumentException(XtsImplementation tier)
    {
        using var xts = new XtsAes(Key64, tier);
        var buffer = new byte[2048];
        var ex = Assert.Throws<ArgumentException>(() => xts.EncryptSectors(buffer.AsSpan(0, 1024), buffer.AsSpan(16, 1024), 0, 512));
        Assert.That(ex!.Message, Does.Contain("overlap"));
        Assert.Throws<ArgumentException>(() => xts.EncryptDataUnit(buffer.AsSpan(0, 100), buffer.AsSpan(1, 100), 0));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptDataUnit_BadLengths_ThrowArgumentException(XtsImplementation tier)
    {
        using var xts = new XtsAes(Key64, tier);
        Assert.Throws<ArgumentException>(() => xts.EncryptDataUnit(new byte[15], new byte[15], 0));
        Assert.Throws<ArgumentException>(() => xts.EncryptDataUnit(ReadOnlySpan<byte>.Empty, Span<byte>.Empty, 0));
        Assert.Throws<ArgumentException>(() => xts.DecryptDataUnit(new byte[XtsAes.MaxSectorSize + 1], new byte[XtsAes.MaxSectorSize + 1], 0));
        Assert.Throws<ArgumentException>(() => xts.DecryptDataUnit(new byte[17], new byte[18], 0));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void Methods_AfterDispose_ThrowObjectDisposedException(XtsImplementation tier)
    {
        var xts = new XtsAes(Key64, tier);
        xts.Dispose();
        xts.Dispose();
        var buffer = new byte[512];
        Assert.Throws<ObjectDisposedException>(() => xts.EncryptSectors(buffer, buffer, 0, 512));
        Assert.Throws<ObjectDisposedException>(() => xts.DecryptSectors(buffer, buffer, 0, 512));
        Assert.Throws<ObjectDisposedException>(() => xts.EncryptSectorsParallel(buffer, buffer, 0, 512));
        Assert.Throws<ObjectDisposedException>(() => xts.DecryptSectorsParallel(buffer, buffer, 0, 512));
        Assert.Throws<ObjectDisposedException>(() => xts.EncryptDataUnit(buffer, buffer, 0));
        Assert.Throws<ObjectDisposedException>(() => xts.DecryptDataUnit(buffer, buffer, 0));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_EmptySource_DoesNothing(XtsImplementation tier)
    {
        using var xts = new XtsAes(Key64, tier);
        xts.EncryptSectors(ReadOnlySpan<byte>.Empty, Span<byte>.Empty, 5, 4096);
        xts.DecryptSectorsParallel(ReadOnlySpan<byte>.Empty, Span<byte>.Empty, 5, 4096);
        Assert.That(xts.Implementation, Is.EqualTo(tier));
    }
}
