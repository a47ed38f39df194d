using BlockCrypt.Volume.CustomerKey;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests.CustomerKey;

/// <summary>The stored identity record and the PKCS#11 return-code mapping (no HSM needed).</summary>
[TestFixture]
public sealed class CustomerKeyIdentityTests
{
    private static readonly CustomerKeyIdentity Sample = new("token-A", "key-1", [0xde, 0xad, 0xbe, 0xef],
        CustomerKeyType.Rsa3072, CustomerKeyMechanism.RsaOaepSha256, "/usr/lib/softhsm/libsofthsm2.so");

    [Test]
    public void Parse_SerializedIdentity_RoundTrips()
    {
        CustomerKeyIdentity parsed = CustomerKeyIdentity.Parse(Sample.Serialize());

        Assert.That(parsed, Is.EqualTo(Sample));
        Assert.That(parsed.KeyIdHex, Is.EqualTo("deadbeef"));
    }

    [Test]
    public void Parse_EveryTruncation_ThrowsInvalidRecord()
    {
        byte[] data = Sample.Serialize();
        for (int length = 0; length < data.Length; length++)
        {
            var error = Assert.Throws<CustomerKeyException>(() => CustomerKeyIdentity.Parse(data.AsSpan(0, length)), $"length {length}");
            Assert.That(error!.Reason, Is.EqualTo(CustomerKeyError.InvalidRecord));
        }
    }

    [TestCase(0, (byte)2)] // version
    [TestCase(1, (byte)9)] // key type
    [TestCase(2, (byte)1)] // RSA key with the AES mechanism
    [TestCase(3, (byte)1)] // reserved
    [TestCase(4, (byte)200)] // token label length beyond 32
    public void Parse_BadByte_ThrowsInvalidRecord(int offset, byte value)
    {
        byte[] data = Sample.Serialize();
        data[offset] = value;

        var error = Assert.Throws<CustomerKeyException>(() => CustomerKeyIdentity.Parse(data));

        Assert.That(error!.Reason, Is.EqualTo(CustomerKeyError.InvalidRecord));
    }

    [Test]
    public void Parse_TrailingByte_ThrowsInvalidRecord()
    {
        byte[] data = [.. Sample.Serialize(), 0];

        Assert.That(() => CustomerKeyIdentity.Parse(data), Throws.TypeOf<CustomerKeyException>());
    }

    [Test]
    public void Serialize_TokenLabelLongerThan32Bytes_ThrowsInvalidRecord()
    {
        CustomerKeyIdentity tooLong = Sample with { TokenLabel = new string('t', 33) };

        var error = Assert.Throws<CustomerKeyException>(() => tooLong.Serialize());

        Assert.That(error!.Reason, Is.EqualTo(CustomerKeyError.InvalidRecord));
    }

    [TestCase(CKR.CKR_PIN_INCORRECT, false, CustomerKeyError.WrongPin)]
    [TestCase(CKR.CKR_PIN_LOCKED, false, CustomerKeyError.PinLocked)]
    [TestCase(CKR.CKR_MECHANISM_INVALID, false, CustomerKeyError.MechanismUnsupported)]
    [TestCase(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, false, CustomerKeyError.MechanismUnsupported)]
    [TestCase(CKR.CKR_TOKEN_NOT_PRESENT, false, CustomerKeyError.TokenMissing)]
    [TestCase(CKR.CKR_KEY_HANDLE_INVALID, false, CustomerKeyError.KeyMissing)]
    [TestCase(CKR.CKR_ENCRYPTED_DATA_INVALID, true, CustomerKeyError.UnwrapFailed)]
    [TestCase(CKR.CKR_ENCRYPTED_DATA_INVALID, false, CustomerKeyError.DeviceError)]
    [TestCase(CKR.CKR_GENERAL_ERROR, true, CustomerKeyError.UnwrapFailed)]
    [TestCase(CKR.CKR_DEVICE_MEMORY, false, CustomerKeyError.DeviceError)]
    public void Classify_ReturnValue_GivesReason(CKR rv, bool decrypting, CustomerKeyError expected)
    {
        Assert.That(Pkcs11Errors.Classify(rv, decrypting), Is.EqualTo(expected));
    }

    [Test]
    public void Map_PinLockedFromLogin_MessageSaysLocked()
    {
        CustomerKeyException mapped = Pkcs11Errors.Map(new Pkcs11Exception("C_Login", CKR.CKR_PIN_LOCKED), "login to token 't'");

        Assert.That(mapped.Reason, Is.EqualTo(CustomerKeyError.PinLocked));
        Assert.That(mapped.Message, Is.EqualTo("login to token 't': PIN locked (too many wrong attempts; the security officer must reset it) (CKR_PIN_LOCKED)"));
    }
}
