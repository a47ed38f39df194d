using System.Security.Cryptography;
using BlockCrypt.TestSupport;
using BlockCrypt.Tpm;
using NUnit.Framework;
using static BlockCrypt.Cli.Tests.CliRunner;

namespace BlockCrypt.Cli.Tests;

[TestFixture]
[Category("Tpm")]
public sealed class TpmCliTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "bc-tpmcli-" + Guid.NewGuid().ToString("N")[..10]));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static void Extend(SwtpmInstance tpm, int pcr)
    {
        using var c = TpmClient.Open(tpm.DeviceSpec);
        c.PcrExtend(pcr, SHA256.HashData(BitConverter.GetBytes(pcr)));
    }

    private static void Ok(Result r) => Assert.That(r.ExitCode, Is.Zero, r.Err + r.Out);

    [Test]
    public void FormatTpm_PcrChange_ReportsThenResealRestoresTpmUnlock()
    {
        using var tpm = SwtpmInstance.Start();
        Ok(Run("pw\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--tpm", "--tpm-device", tpm.DeviceSpec,
            "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        var status = Run("", "status", P("c.img"), "--tpm-device", tpm.DeviceSpec);
        Ok(status);
        Assert.That(status.Out, Does.Contain("PCRs sha256:7, no PIN"));

        Extend(tpm, 7);
        var failed = Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec);
        Assert.That(failed.ExitCode, Is.EqualTo(11));
        Assert.That(failed.Err, Does.Contain("PCR 7 has changed since this protector was sealed; unlock with the recovery password, then run `blockcrypt protector reseal`"));

        var reseal = Run("", "protector", "reseal", P("c.img"), "--recovery-password-file", P("rp.txt"), "--tpm-device", tpm.DeviceSpec);
        Ok(reseal);
        Assert.That(reseal.Out, Does.Contain("Resealed tpm protector"));
        Ok(Run("", "status", P("c.img"), "--tpm-device", tpm.DeviceSpec));
    }

    [Test]
    public void ProtectorAddTpmWithPin_RightAndWrongPin()
    {
        using var tpm = SwtpmInstance.Start();
        using (var c = TpmClient.Open(tpm.DeviceSpec)) c.DictionaryAttackParameters(5, 1000, 0);
        Ok(Run("pw\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        var add = Run("pw\n2468\n", ["protector", "add", P("c.img"), "--passphrase-stdin", "--kind", "tpm", "--pcrs", "7,11", "--pin-stdin",
            "--tpm-device", tpm.DeviceSpec, .. CheapKdf]);
        Ok(add);
        Assert.That(add.Out, Does.Contain("Added tpm protector"));

        Ok(Run("2468\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));
        var wrong = Run("1111\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec);
        Assert.That(wrong.ExitCode, Is.EqualTo(11));
        Assert.That(wrong.Err, Does.Contain("wrong TPM PIN; 4 tries left before the TPM locks out"));
        var noPin = Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec);
        Assert.That(noPin.ExitCode, Is.EqualTo(11));
        Assert.That(noPin.Err, Does.Contain("needs its PIN"));
    }

    [Test]
    public void ResealPinProtector_AfterPcrChange_UsesPinAndRecovery()
    {
        using var tpm = SwtpmInstance.Start();
        Ok(Run("pw\n9753\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--tpm", "--pin-stdin",
            "--tpm-device", tpm.DeviceSpec, "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        Extend(tpm, 7);
        Assert.That(Run("9753\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec).ExitCode, Is.EqualTo(11));
        var missingPin = Run("", "protector", "reseal", P("c.img"), "--recovery-password-file", P("rp.txt"), "--tpm-device", tpm.DeviceSpec);
        Assert.That(missingPin.ExitCode, Is.EqualTo(10));
        Assert.That(missingPin.Err, Does.Contain("has a PIN"));
        // The TPM protector is tried first (and fails on PCR 7), then the recovery password opens; the PIN reseals.
        Ok(Run("9753\n", ["protector", "reseal", P("c.img"), "--recovery-password-file", P("rp.txt"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec, .. CheapKdf]));
        Ok(Run("9753\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));
    }

    [Test]
    public void Reseal_TwoTpmProtectors_PinGoesOnlyToThePinProtector_MissingPinChangesNothing()
    {
        using var tpm = SwtpmInstance.Start();
        Ok(Run("pw\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--tpm", "--tpm-device", tpm.DeviceSpec,
            "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        Ok(Run("pw\n2468\n", ["protector", "add", P("c.img"), "--passphrase-stdin", "--kind", "tpm", "--pin-stdin", "--tpm-device", tpm.DeviceSpec, .. CheapKdf]));
        Extend(tpm, 7);
        byte[] before = File.ReadAllBytes(P("c.img"));

        var missingPin = Run("", "protector", "reseal", P("c.img"), "--recovery-password-file", P("rp.txt"), "--tpm-device", tpm.DeviceSpec);
        Assert.That(missingPin.ExitCode, Is.EqualTo(10));
        Assert.That(missingPin.Err, Does.Contain("has a PIN").And.Contain("nothing was resealed"));
        Assert.That(File.ReadAllBytes(P("c.img")), Is.EqualTo(before), "the PIN-less protector was resealed before the refusal");

        // --protector-id picks the protector to reseal; unlocking still goes through the recovery password.
        using (var doc = System.Text.Json.JsonDocument.Parse(Run("", "status", P("c.img"), "--json").Out))
        {
            string pinless = doc.RootElement.GetProperty("protectors").EnumerateArray()
                .First(p => p.GetProperty("kind").GetString() == "tpm" && !p.GetProperty("requiresPin").GetBoolean())
                .GetProperty("id").GetString()!;
            var one = Run("", "protector", "reseal", P("c.img"), "--protector-id", pinless, "--recovery-password-file", P("rp.txt"), "--tpm-device", tpm.DeviceSpec);
            Ok(one);
            Assert.That(one.Out, Does.Contain($"Resealed tpm protector {pinless}"));
            Assert.That(one.Out, Does.Not.Contain("has a PIN"));
        }

        Ok(Run("2468\n", ["protector", "reseal", P("c.img"), "--recovery-password-file", P("rp.txt"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec, .. CheapKdf]));
        // The PIN-less protector still opens without a PIN (no PIN was added to it); the PIN protector with its PIN.
        var status = Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec);
        Ok(status);
        Assert.That(status.Out, Does.Contain("no PIN"));
        Ok(Run("2468\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));
    }

    [Test]
    public void Unlock_NoTpmReachable_SaysHowToChoose()
    {
        int port;
        using (var tpm = SwtpmInstance.Start())
        {
            Ok(Run("pw\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--tpm", "--tpm-device", tpm.DeviceSpec,
                "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
            port = tpm.Port;
        }
        var r = Run("", "status", P("c.img"), "--tpm", "--tpm-device", $"swtpm:127.0.0.1:{port}");
        Assert.That(r.ExitCode, Is.EqualTo(11));
        Assert.That(r.Err, Does.Contain($"no TPM reachable at swtpm:127.0.0.1:{port} (choose one with --tpm-device or BLOCKCRYPT_TPM)"));
        Ok(Run("pw\n", "status", P("c.img"), "--passphrase-stdin"));
    }
}
