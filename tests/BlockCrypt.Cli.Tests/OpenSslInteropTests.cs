using System.Text.Json;
using BlockCrypt.TestSupport;
using NUnit.Framework;
using static BlockCrypt.Cli.Tests.CliRunner;

namespace BlockCrypt.Cli.Tests;

/// <summary>The data area decrypts with OpenSSL's XTS and the dumped FVEK to exactly what export-plain writes.</summary>
public class OpenSslInteropTests
{
    [TestCase("aes-xts-256", 4096)]
    [TestCase("aes-xts-128", 512)]
    public void ExportPlain_EqualsOpenSslDecryptionOfDataArea(string cipher, int sectorSize)
    {
        string dir = Directory.CreateTempSubdirectory("bc-openssl").FullName;
        try
        {
            string image = Path.Combine(dir, "plain.img"), container = Path.Combine(dir, "c.img"), exported = Path.Combine(dir, "out.img");
            byte[] plain = new byte[3 * 1024 * 1024];
            new Random(sectorSize).NextBytes(plain);
            File.WriteAllBytes(image, plain);
            var import = Run("pw\n", ["import", image, container, "--passphrase-stdin", "--cipher", cipher, "--sector-size", sectorSize.ToString(),
                "--recovery-password-out", Path.Combine(dir, "rp"), .. CheapKdf]);
            Assert.That(import.ExitCode, Is.EqualTo(0), import.Err);

            var status = Run("pw\n", "status", container, "--passphrase-stdin", "--json", "--dump-volume-key");
            Assert.That(status.ExitCode, Is.EqualTo(0), status.Err);
            Assert.That(status.Err, Does.Contain("WARNING"));
            using var doc = JsonDocument.Parse(status.Out);
            byte[] key = Convert.FromHexString(doc.RootElement.GetProperty("volumeKey").GetString()!);
            long offset = doc.RootElement.GetProperty("dataOffset").GetInt64();
            Assert.That(key, Has.Length.EqualTo(cipher == "aes-xts-256" ? 64 : 32));

            var export = Run("pw\n", "export-plain", container, exported, "--passphrase-stdin");
            Assert.That(export.ExitCode, Is.EqualTo(0), export.Err);

            byte[] raw = File.ReadAllBytes(container);
            byte[] decrypted = new byte[plain.Length];
            using (var openssl = new OpenSslXts(key))
                openssl.DecryptSectors(raw.AsSpan((int)offset, plain.Length), decrypted, 0, sectorSize);
            Assert.That(File.ReadAllBytes(exported), Is.EqualTo(decrypted));
            Assert.That(decrypted, Is.EqualTo(plain));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
