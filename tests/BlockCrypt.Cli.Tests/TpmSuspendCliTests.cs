using System.Security.Cryptography;
using System.Text.Json;
using BlockCrypt.TestSupport;
using BlockCrypt.Tpm;
using NUnit.Framework;
using static BlockCrypt.Cli.Tests.CliRunner;

namespace BlockCrypt.Cli.Tests;

/// <summary><c>protector suspend</c> / <c>protector resume</c> and their state in <c>status</c>, on swtpm.</summary>
[TestFixture]
[Category("Tpm")]
public sealed class TpmSuspendCliTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "bc-tpmsusp-" + Guid.NewGuid().ToString("N")[..10]));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static void Extend(SwtpmInstance tpm, int pcr)
    {
        using var c = TpmClient.Open(tpm.DeviceSpec);
        c.PcrExtend(pcr, SHA256.HashData(Guid.NewGuid().ToByteArray()));
    }

    private static void Ok(Result r) => Assert.That(r.ExitCode, Is.Zero, r.Err + r.Out);

    [Test]
    public void SuspendResume_PcrExtendedWhileSuspended_TpmUnlockWorksThenRefusedAfterResumeAndExtend()
    {
        using var tpm = SwtpmInstance.Start();
        Ok(Run("pw\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--tpm", "--tpm-device", tpm.DeviceSpec,
            "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        var before = Run("", "status", P("c.img"), "--tpm-device", tpm.DeviceSpec);
        Ok(before);
        Assert.That(before.Out, Does.Contain("TPM protection: on"));

        var suspend = Run("", "protector", "suspend", P("c.img"), "--tpm-device", tpm.DeviceSpec);
        Ok(suspend);
        Assert.That(suspend.Out, Does.Contain("Suspended tpm protector").And.Contain("(then PCRs sha256:7)"));
        var again = Run("", "protector", "suspend", P("c.img"), "--tpm-device", tpm.DeviceSpec);
        Ok(again);
        Assert.That(again.Out, Does.Contain("already suspended"));
        var status = Run("", "status", P("c.img"), "--tpm-device", tpm.DeviceSpec);
        Assert.That(status.Out, Does.Contain("TPM protection: SUSPENDED").And.Contain("SUSPENDED: no PCR policy (resumes to PCRs sha256:7), no PIN"));
        var json = Run("", "status", P("c.img"), "--json");
        Ok(json);
        using (var doc = JsonDocument.Parse(json.Out))
        {
            Assert.That(doc.RootElement.GetProperty("protectionSuspended").GetBoolean(), Is.True);
            var tpmProtector = doc.RootElement.GetProperty("protectors").EnumerateArray().Single(p => p.GetProperty("kind").GetString() == "tpm");
            Assert.That(tpmProtector.GetProperty("suspended").GetBoolean(), Is.True);
            Assert.That(tpmProtector.GetProperty("pcrs").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 7 }));
        }

        Extend(tpm, 7);
        Ok(Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec)); // unlocks through the TPM while suspended
        var resume = Run("", "protector", "resume", P("c.img"), "--tpm-device", tpm.DeviceSpec);
        Ok(resume);
        Assert.That(resume.Out, Does.Contain("Resumed tpm protector").And.Contain("sealed to PCRs sha256:7 at their current values"));
        Assert.That(Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec).Out, Does.Contain("TPM protection: on"));

        Extend(tpm, 7);
        var refused = Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec);
        Assert.That(refused.ExitCode, Is.EqualTo(11));
        Assert.That(refused.Err, Does.Contain("PCR 7 has changed since this protector was sealed"));
    }

    [Test]
    public void Suspend_PinProtector_NeedsThePinAndKeepsNeedingIt()
    {
        using var tpm = SwtpmInstance.Start();
        Ok(Run("pw\n4826\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--tpm", "--pin-stdin",
            "--tpm-device", tpm.DeviceSpec, "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        var noPin = Run("", "protector", "suspend", P("c.img"), "--recovery-password-file", P("rp.txt"), "--tpm-device", tpm.DeviceSpec);
        Assert.That(noPin.ExitCode, Is.EqualTo(10), noPin.Err);
        Assert.That(noPin.Err, Does.Contain("has a PIN"));
        Ok(Run("4826\n", "protector", "suspend", P("c.img"), "--recovery-password-file", P("rp.txt"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));

        Extend(tpm, 7);
        var missing = Run("", "status", P("c.img"), "--tpm", "--tpm-device", tpm.DeviceSpec);
        Assert.That(missing.ExitCode, Is.EqualTo(11));
        Assert.That(missing.Err, Does.Contain("needs its PIN"));
        Ok(Run("4826\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));
        Ok(Run("4826\n", "protector", "resume", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));
        Ok(Run("4826\n", "status", P("c.img"), "--pin-stdin", "--tpm-device", tpm.DeviceSpec));
    }

    [Test]
    public void Suspend_NoTpmProtector_InvalidArgument()
    {
        Ok(Run("pw\n", ["format", P("c.img"), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--recovery-password-out", P("rp.txt"), .. CheapKdf]));
        var r = Run("pw\n", "protector", "suspend", P("c.img"), "--passphrase-stdin");
        Assert.That(r.ExitCode, Is.EqualTo(7));
        Assert.That(r.Err, Does.Contain("no tpm protector to suspend"));
        Assert.That(Run("", "status", P("c.img")).Out, Does.Not.Contain("TPM protection"));
    }
}
