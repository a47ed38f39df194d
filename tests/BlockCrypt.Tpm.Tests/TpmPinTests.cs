using System.Text;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
[Category("Tpm")]
public sealed class TpmPinTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 ^ i)).ToArray();
    private static readonly byte[] Pin = Encoding.UTF8.GetBytes("482913");

    private static TpmSealer SetUp(SwtpmInstance tpm, uint maxTries)
    {
        using (var c = TpmClient.Open(tpm.DeviceSpec))
            c.DictionaryAttackParameters(maxTries, recoveryTimeSeconds: 1000, lockoutRecoverySeconds: 0);
        return TpmSealer.ForDevice(tpm.DeviceSpec);
    }

    [Test]
    public void Unseal_RightPin_ReturnsSecret()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = SetUp(tpm, 3);
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, Pin);
        Assert.That(sealedObject.HasPin, Is.True);
        Assert.That(sealedObject.Public.Attributes.HasFlag(TpmaObject.NoDA), Is.False, "a PIN object is subject to DA lockout");
        Assert.That(sealer.Unseal(sealedObject, Pin), Is.EqualTo(Secret));
    }

    [Test]
    public void Unseal_NoPinGiven_ReportsPinRequired()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = SetUp(tpm, 3);
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, Pin);
        Assert.That(Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, []))!.Failure, Is.EqualTo(TpmFailure.PinRequired));
    }

    [Test]
    public void Unseal_WrongPinRepeatedly_CountsDownThenLocksOut()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = SetUp(tpm, 3);
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, Pin);
        byte[] wrong = Encoding.UTF8.GetBytes("000000");

        var e1 = Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, wrong))!;
        Assert.That(e1.Failure, Is.EqualTo(TpmFailure.WrongPin));
        Assert.That(e1.TriesLeft, Is.EqualTo(2));
        Assert.That(e1.Message, Is.EqualTo("wrong TPM PIN; 2 tries left before the TPM locks out"));
        Assert.That(((TpmException)e1.InnerException!).ResponseCode, Is.EqualTo(0x98Eu), "TPM_RC_AUTH_FAIL on session 1");

        Assert.That(Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, wrong))!.TriesLeft, Is.EqualTo(1));
        var e3 = Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, wrong))!;
        Assert.That(e3.TriesLeft, Is.EqualTo(0));
        Assert.That(e3.Message, Does.Contain("lockout"));

        // Now even the right PIN is refused with the lockout error and the recovery time.
        var locked = Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, Pin))!;
        Assert.That(locked.Failure, Is.EqualTo(TpmFailure.Lockout));
        Assert.That(locked.RecoverySeconds, Is.EqualTo(1000));
        Assert.That(locked.Message, Does.Contain("dictionary-attack lockout").And.Contain("1000 s"));
        Assert.That(((TpmException)locked.InnerException!).ResponseCode, Is.EqualTo(0x921u));

        // A PIN-less (noDA) object still unseals during lockout, and a lock reset restores the PIN object.
        var noPin = sealer.Seal(Secret, PcrSelection.Default, []);
        Assert.That(sealer.Unseal(noPin, []), Is.EqualTo(Secret));
        using (var c = TpmClient.Open(tpm.DeviceSpec)) c.DictionaryAttackLockReset();
        Assert.That(sealer.Unseal(sealedObject, Pin), Is.EqualTo(Secret));
    }

    [Test]
    public void Unseal_RightPinAfterWrongOne_Works()
    {
        using var tpm = SwtpmInstance.Start();
        var sealer = SetUp(tpm, 5);
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, Pin);
        Assert.That(Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, "1"u8))!.TriesLeft, Is.EqualTo(4));
        Assert.That(sealer.Unseal(sealedObject, Pin), Is.EqualTo(Secret));
    }
}
