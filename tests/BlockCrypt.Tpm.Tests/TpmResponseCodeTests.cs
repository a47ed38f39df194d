using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
public sealed class TpmResponseCodeTests
{
    [TestCase(0x98Eu, "TPM_RC_AUTH_FAIL", TpmRcSubject.Session, 1, 0x08Eu)]
    [TestCase(0x9A2u, "TPM_RC_BAD_AUTH", TpmRcSubject.Session, 1, 0x0A2u)]
    [TestCase(0x99Du, "TPM_RC_POLICY_FAIL", TpmRcSubject.Session, 1, 0x09Du)]
    [TestCase(0x1C4u, "TPM_RC_VALUE", TpmRcSubject.Parameter, 1, 0x084u)]
    [TestCase(0x2C4u, "TPM_RC_VALUE", TpmRcSubject.Parameter, 2, 0x084u)]
    [TestCase(0x18Bu, "TPM_RC_HANDLE", TpmRcSubject.Handle, 1, 0x08Bu)]
    [TestCase(0x28Bu, "TPM_RC_HANDLE", TpmRcSubject.Handle, 2, 0x08Bu)]
    [TestCase(0x09Fu, "TPM_RC_INTEGRITY", TpmRcSubject.None, 0, 0x09Fu)]
    public void Decode_Format1_NamesCodeAndEntity(uint rc, string name, TpmRcSubject subject, int index, uint baseCode)
    {
        var d = TpmResponseCode.Decode(rc);
        Assert.That(d.IsFormat1, Is.True);
        Assert.That(d.Name, Is.EqualTo(name));
        Assert.That(d.Subject, Is.EqualTo(subject));
        Assert.That(d.Index, Is.EqualTo(index));
        Assert.That(d.BaseCode, Is.EqualTo(baseCode));
    }

    [TestCase(0x100u, "TPM_RC_INITIALIZE", false)]
    [TestCase(0x101u, "TPM_RC_FAILURE", false)]
    [TestCase(0x143u, "TPM_RC_COMMAND_CODE", false)]
    [TestCase(0x902u, "TPM_RC_OBJECT_MEMORY", true)]
    [TestCase(0x921u, "TPM_RC_LOCKOUT", true)]
    [TestCase(0x922u, "TPM_RC_RETRY", true)]
    [TestCase(0x908u, "TPM_RC_YIELDED", true)]
    [TestCase(0x918u, "TPM_RC_REFERENCE_S0", true)]
    public void Decode_Format0AndWarnings(uint rc, string name, bool warning)
    {
        var d = TpmResponseCode.Decode(rc);
        Assert.That(d.IsFormat1, Is.False);
        Assert.That(d.Name, Is.EqualTo(name));
        Assert.That(d.IsWarning, Is.EqualTo(warning));
        Assert.That(d.Meaning, Does.Not.Contain("unknown"));
    }

    [Test]
    public void Exception_Message_ReadableWithCommandAndSession()
    {
        var e = new TpmException(0x98E, TpmCc.Unseal);
        Assert.That(e.ResponseCode, Is.EqualTo(0x98Eu));
        Assert.That(e.BaseCode, Is.EqualTo(TpmResponseCode.AuthFail));
        Assert.That(e.Message, Is.EqualTo("TPM command 0x15E failed: TPM_RC_AUTH_FAIL (0x98E) on session 1: the authorization HMAC check failed and DA counter incremented"));
    }

    [TestCase(0x01Eu)]
    [TestCase(0x400u | 0x100u | 0x05u)]
    [TestCase(0x93Fu)]
    [TestCase(0x0BFu)]
    public void Decode_UnknownOrVendor_NeverThrows(uint rc) => Assert.That(TpmResponseCode.Decode(rc).Name, Does.StartWith("TPM_RC_"));
}
