using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
[Category("Tpm")]
public sealed class TpmSealerTests
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    private static void Extend(SwtpmInstance tpm, int pcr, string what)
    {
        using var c = TpmClient.Open(tpm.DeviceSpec);
        c.PcrExtend(pcr, SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(what)));
    }

    [Test]
    public void Unseal_AfterSeal_ReturnsSecret()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = TpmSealer.ForDevice(tpm.DeviceSpec);
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, []);
        var parsed = TpmSealedObject.Parse(sealedObject.ToBytes());
        Assert.That(sealer.Unseal(parsed, []), Is.EqualTo(Secret));
        Assert.That(parsed.HasPin, Is.False);
        Assert.That(parsed.Public.Attributes.HasFlag(TpmaObject.NoDA), Is.True);
        Assert.That(parsed.Public.Attributes.HasFlag(TpmaObject.UserWithAuth), Is.False);
    }

    [Test]
    public void Unseal_BoundPcrExtended_ReportsPcrChange()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = TpmSealer.ForDevice(tpm.DeviceSpec);
        var sealedObject = sealer.Seal(Secret, new PcrSelection([7, 11]), []);
        Extend(tpm, 11, "new kernel");
        var e = Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, []))!;
        Assert.That(e.Failure, Is.EqualTo(TpmFailure.PcrMismatch));
        Assert.That(e.ChangedPcrs, Is.EqualTo(new[] { 11 }));
        Assert.That(e.Message, Does.StartWith("PCR 11 has changed since this protector was sealed; unlock with the recovery password, then run `blockcrypt protector reseal`"));
    }

    [Test]
    public void Unseal_UnboundPcrExtended_StillWorks()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = TpmSealer.ForDevice(tpm.DeviceSpec);
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, []);
        Extend(tpm, 8, "unrelated");
        Assert.That(sealer.Unseal(sealedObject, []), Is.EqualTo(Secret));
    }

    [Test]
    public void Unseal_AfterPowerCycleAndSameMeasurements_Works()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = TpmSealer.ForDevice(tpm.DeviceSpec);
        Extend(tpm, 7, "secure boot db");
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, []);
        Extend(tpm, 7, "attack");
        Assert.That(Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, []))!.Failure, Is.EqualTo(TpmFailure.PcrMismatch));
        tpm.PowerCycle();
        Extend(tpm, 7, "secure boot db");
        Assert.That(sealer.Unseal(sealedObject, []), Is.EqualTo(Secret));
    }

    [Test]
    public void Unseal_OnAnotherTpm_ReportsWrongTpm()
    {
        using var tpm = SwtpmInstance.Start();
        using var other = SwtpmInstance.Start();
        var sealedObject = TpmSealer.ForDevice(tpm.DeviceSpec).Seal(Secret, PcrSelection.Default, []);
        var e = Assert.Throws<TpmUnsealException>(() => TpmSealer.ForDevice(other.DeviceSpec).Unseal(sealedObject, []))!;
        Assert.That(e.Failure, Is.EqualTo(TpmFailure.WrongTpm));
        Assert.That(e.Message, Does.Contain("the TPM is not the one this protector was sealed with"));
    }

    [Test]
    public void Unseal_NoTpmListening_ReportsNoTpm()
    {
        int port;
        using (var tpm = SwtpmInstance.Start()) port = tpm.Port;
        var e = Assert.Throws<TpmUnsealException>(() => TpmSealer.ForDevice($"swtpm:127.0.0.1:{port}").GetStorageRootKeyName())!;
        Assert.That(e.Failure, Is.EqualTo(TpmFailure.NoTpm));
        Assert.That(e.Message, Does.Contain($"no TPM reachable at swtpm:127.0.0.1:{port} (choose one with --tpm-device or BLOCKCRYPT_TPM)"));
    }
}
