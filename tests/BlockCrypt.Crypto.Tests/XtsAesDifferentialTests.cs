using NUnit.Framework;
using System.Diagnostics;
using BlockCrypt.TestSupport;

namespace BlockCrypt.Crypto.Tests;

/// <summary>Random cases against OpenSSL's libcrypto (EVP_aes_{128,256}_xts, IV = LE sector number, one EVP call per sector).</summary>
[TestFixture]
public class XtsAesDifferentialTests
{
    private const int Cases = 2000;

    private static ulong RandomSector(Random random) => random.Next(6) switch
    {
        0 => (ulong)random.Next(0, 1000),
        1 => (ulong)random.NextInt64(1L << 32, 1L << 40), // above 2^32
        2 => ulong.MaxValue - (ulong)random.Next(0, 8), // near 2^64: later sectors carry into the high half
        3 => (ulong)random.NextInt64(),
        4 => uint.MaxValue - (ulong)random.Next(0, 8), // crossing 2^32
        _ => ((ulong)random.NextInt64() << 1) + (uint)random.Next(2),
    };

    private static int RandomSectorSize(Random random) => random.Next(8) switch
    {
        0 => 512,
        1 => 4096,
        2 => 16 * random.Next(1, 10), // 1..9 blocks
        3 => 65536,
        4 => 16 * ((8 * random.Next(1, 64)) + random.Next(-1, 2)), // 8n-1, 8n, 8n+1 blocks
        _ => 16 * random.Next(1, 4097), // any multiple of 16 up to 64 KiB
    };

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_RandomCases_MatchOpenSsl(XtsImplementation tier)
    {
        var random = new Random(20261129 + (int)tier);
        var stopwatch = Stopwatch.StartNew();
        for (int c = 0; c < Cases; c++)
        {
            int keySize = random.Next(2) == 0 ? 32 : 64;
            var key = new byte[keySize];
            random.NextBytes(key);
            int sectorSize = RandomSectorSize(random);
            int sectors = sectorSize >= 16384 ? random.Next(1, 3) : random.Next(1, 5);
            ulong first = RandomSector(random);
            var plain = new byte[sectorSize * sectors];
            random.NextBytes(plain);
            AssertMatchesOpenSsl(tier, key, plain, first, sectorSize,
                $"case {c}: key {keySize} B, sector size {sectorSize}, {sectors} sectors from {first}");
        }

        TestContext.Out.WriteLine($"{Cases} cases on {tier} in {stopwatch.ElapsedMilliseconds} ms");
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptSectors_LargeSectorsNearTweakCarries_MatchOpenSsl(XtsImplementation tier)
    {
        // Long units run the VAES kernel's in-register tweak chain for up to 4096 groups; the first sectors straddle
        // the 2^32 and 2^64 carries of the sector number.
        var random = new Random(77 + (int)tier);
        foreach (int sectorSize in new[] { 256, 768, 4096, 65536 + 256, XtsAes.MaxSectorSize })
        {
            foreach (ulong first in new[] { 0UL, uint.MaxValue, ulong.MaxValue })
            {
                foreach (int keySize in new[] { 32, 64 })
                {
                    var key = new byte[keySize];
                    random.NextBytes(key);
                    var plain = new byte[sectorSize * 2];
                    random.NextBytes(plain);
                    AssertMatchesOpenSsl(tier, key, plain, first, sectorSize, $"key {keySize} B, sector size {sectorSize}, first {first}");
                }
            }
        }
    }

    /// <summary>Ours and OpenSSL encrypt alike; each decrypts the other's ciphertext (ours in place).</summary>
    private static void AssertMatchesOpenSsl(XtsImplementation tier, byte[] key, byte[] plain, ulong first, int sectorSize, string where)
    {
        var ours = new byte[plain.Length];
        var theirs = new byte[plain.Length];
        using var xts = new XtsAes(key, tier);
        using var openSsl = new OpenSslXts(key);
        xts.EncryptSectors(plain, ours, first, sectorSize);
        openSsl.EncryptSectors(plain, theirs, first, sectorSize);
        Assert.That(ours.AsSpan().SequenceEqual(theirs), Is.True, where);
        xts.DecryptSectors(theirs, theirs, first, sectorSize);
        Assert.That(theirs.AsSpan().SequenceEqual(plain), Is.True, where + " (decrypt)");
        openSsl.DecryptSectors(ours, ours, first, sectorSize);
        Assert.That(ours.AsSpan().SequenceEqual(plain), Is.True, where + " (OpenSSL decrypt)");
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Supported))]
    public void EncryptDataUnit_RandomPartialLengths_MatchOpenSslCiphertextStealing(XtsImplementation tier)
    {
        var random = new Random(15 + (int)tier);
        for (int c = 0; c < 500; c++)
        {
            int keySize = random.Next(2) == 0 ? 32 : 64;
            var key = new byte[keySize];
            random.NextBytes(key);
            int length = random.Next(3) == 0 ? random.Next(16, 64) : random.Next(16, 5000);
            var plain = new byte[length];
            random.NextBytes(plain);
            var tweak = new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64());
            var ours = new byte[length];
            var theirs = new byte[length];

            using var xts = new XtsAes(key, tier);
            using var openSsl = new OpenSslXts(key);
            xts.EncryptDataUnit(plain, ours, tweak);
            openSsl.EncryptDataUnit(plain, theirs, tweak);
            Assert.That(ours, Is.EqualTo(theirs), $"case {c}: length {length}");
            xts.DecryptDataUnit(theirs, theirs, tweak);
            Assert.That(theirs, Is.EqualTo(plain), $"case {c}: length {length} (decrypt)");
        }
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.Hardware))]
    public void EncryptSectors_HardwareTier_MatchesPortableTier(XtsImplementation tier)
    {
        var random = new Random(4242);
        for (int c = 0; c < 300; c++)
        {
            var key = new byte[random.Next(2) == 0 ? 32 : 64];
            random.NextBytes(key);
            int sectorSize = RandomSectorSize(random);
            ulong first = RandomSector(random);
            var plain = new byte[sectorSize * random.Next(1, 3)];
            random.NextBytes(plain);
            var hardware = new byte[plain.Length];
            var portable = new byte[plain.Length];
            using var fast = new XtsAes(key, tier);
            using var fallback = new XtsAes(key, XtsImplementation.Portable);
            fast.EncryptSectors(plain, hardware, first, sectorSize);
            fallback.EncryptSectors(plain, portable, first, sectorSize);
            Assert.That(hardware.AsSpan().SequenceEqual(portable), Is.True, $"case {c}");
            fast.DecryptSectors(portable, portable, first, sectorSize);
            fallback.DecryptSectors(hardware, hardware, first, sectorSize);
            Assert.That(portable.AsSpan().SequenceEqual(plain) && hardware.AsSpan().SequenceEqual(plain), Is.True, $"case {c} (decrypt)");
        }
    }

    [Test]
    public void EncryptSectors_AgainstPythonCryptography_Matches()
    {
        var random = new Random(1);
        var key = new byte[64];
        random.NextBytes(key);
        var plain = new byte[4096 * 3];
        random.NextBytes(plain);
        ulong first = ulong.MaxValue - 1; // the third sector is 2^64
        var ours = new byte[plain.Length];
        using (var xts = new XtsAes(key))
        {
            xts.EncryptSectors(plain, ours, first, 4096);
        }

        const string script =
            "import sys\n" +
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n" +
            "key = bytes.fromhex(sys.argv[1]); data = bytes.fromhex(sys.stdin.read().strip()); first = int(sys.argv[2])\n" +
            "out = b''\n" +
            "for i in range(len(data) // 4096):\n" +
            "    e = Cipher(algorithms.AES(key), modes.XTS((first + i).to_bytes(16, 'little'))).encryptor()\n" +
            "    out += e.update(data[i * 4096:(i + 1) * 4096]) + e.finalize()\n" +
            "print(out.hex())\n";
        var info = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(Convert.ToHexString(key));
        info.ArgumentList.Add(first.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using Process process = Process.Start(info)!;
        process.StandardInput.Write(Convert.ToHexString(plain));
        process.StandardInput.Close();
        string output = process.StandardOutput.ReadToEnd().Trim();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, error);
        Assert.That(output, Is.EqualTo(Convert.ToHexString(ours).ToLowerInvariant()));
    }
}
