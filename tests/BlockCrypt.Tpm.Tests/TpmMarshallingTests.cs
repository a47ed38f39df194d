using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
public sealed class TpmMarshallingTests
{
    [Test]
    public void Writer_IntegersAndSized_BigEndian()
    {
        using var w = new TpmWriter(4);
        w.WriteUInt16(0x8001);
        w.WriteUInt32(0x01020304);
        w.WriteByte(0xFF);
        w.WriteSized([0xAA, 0xBB]);
        int start = w.BeginSized();
        w.WriteUInt16(0x1234);
        w.EndSized(start);
        Assert.That(w.ToArray(), Is.EqualTo(new byte[] { 0x80, 0x01, 1, 2, 3, 4, 0xFF, 0, 2, 0xAA, 0xBB, 0, 2, 0x12, 0x34 }));
    }

    [Test]
    public void Reader_PastEnd_ThrowsProtocolNamingField()
    {
        var e = Assert.Throws<TpmProtocolException>(() =>
        {
            var r = new TpmReader([0, 5, 1, 2]);
            r.ReadSized("outData");
        })!;
        Assert.That(e.Message, Does.Contain("outData needs 5 bytes but only 2 remain"));
    }

    [Test]
    public void Reader_SizedOverMaximum_Throws()
    {
        Assert.Throws<TpmProtocolException>(() =>
        {
            var r = new TpmReader(new byte[] { 0, 65 }.Concat(new byte[65]).ToArray());
            r.ReadSized("nonce", 64);
        });
    }

    [Test]
    public void PcrSelection_RoundTrip_BitmapAndIndices()
    {
        var sel = new PcrSelection([11, 7, 0, 23, 7]);
        using var w = new TpmWriter();
        sel.WriteTo(w);
        Assert.That(w.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 1, 0x00, 0x0B, 3, 0x81, 0x08, 0x80 }));
        var r = new TpmReader(w.WrittenSpan);
        var back = PcrSelection.ReadList(ref r);
        Assert.That(back, Has.Length.EqualTo(1));
        Assert.That(back[0], Is.EqualTo(sel));
        Assert.That(back[0].Indices, Is.EqualTo(new[] { 0, 7, 11, 23 }));
        Assert.That(sel.ToString(), Is.EqualTo("sha256:0,7,11,23"));
    }

    [TestCase("7", new[] { 7 })]
    [TestCase("7,11", new[] { 7, 11 })]
    [TestCase("sha256:0, 2 ,4", new[] { 0, 2, 4 })]
    public void PcrSelection_Parse_Valid(string text, int[] expected) =>
        Assert.That(PcrSelection.Parse(text).Indices, Is.EqualTo(expected));

    [TestCase("")]
    [TestCase("24")]
    [TestCase("7,x")]
    [TestCase("-1")]
    public void PcrSelection_ParseInvalid_Throws(string text) => Assert.Throws<FormatException>(() => PcrSelection.Parse(text));

    [Test]
    public void PcrSelection_TooManyBanks_Throws()
    {
        Assert.Throws<TpmProtocolException>(() =>
        {
            var r = new TpmReader([0, 0, 0, 17]);
            PcrSelection.ReadList(ref r);
        });
    }

    [Test]
    public void SrkTemplate_Marshalled_MatchesTcgLayout()
    {
        byte[] expected =
        [
            0x00, 0x23, 0x00, 0x0B, 0x00, 0x03, 0x04, 0x72, 0x00, 0x00, // ECC, sha256, attributes 0x00030472, empty policy
            0x00, 0x06, 0x00, 0x80, 0x00, 0x43,                         // AES-128-CFB
            0x00, 0x10, 0x00, 0x03, 0x00, 0x10,                         // scheme NULL, NIST P-256, KDF NULL
            0x00, 0x00, 0x00, 0x00,                                     // empty unique x, y
        ];
        var t = TpmPublic.StorageRootKeyTemplate();
        Assert.That(t.ToBytes(), Is.EqualTo(expected));
        Assert.That(TpmPublic.Parse(expected).ToBytes(), Is.EqualTo(expected));
    }

    [Test]
    public void SealedTemplate_RoundTrip_PreservesEverything()
    {
        byte[] policy = SHA256.HashData("p"u8);
        foreach (bool da in new[] { true, false })
        {
            var t = TpmPublic.SealedDataTemplate(policy, da);
            t.UniqueX = SHA256.HashData("u"u8);
            var back = TpmPublic.Parse(t.ToBytes());
            Assert.That(back.ToBytes(), Is.EqualTo(t.ToBytes()));
            Assert.That(back.Attributes.HasFlag(TpmaObject.NoDA), Is.EqualTo(!da));
            Assert.That(back.AuthPolicy, Is.EqualTo(policy));
            Assert.That(back.ComputeName()[..2], Is.EqualTo(new byte[] { 0, 0x0B }));
            Assert.That(back.ComputeName()[2..], Is.EqualTo(SHA256.HashData(t.ToBytes())));
        }
    }

    [Test]
    public void RsaAndEcdsaPublic_RoundTrip()
    {
        var rsa = new TpmPublic
        {
            Type = TpmAlg.Rsa, Attributes = TpmaObject.Restricted | TpmaObject.Decrypt,
            SymmetricAlg = TpmAlg.Aes, SymmetricKeyBits = 128, SymmetricMode = TpmAlg.Cfb,
            RsaKeyBits = 2048, UniqueX = new byte[256],
        };
        Assert.That(TpmPublic.Parse(rsa.ToBytes()).ToBytes(), Is.EqualTo(rsa.ToBytes()));
        var ecdsa = TpmPublic.StorageRootKeyTemplate();
        ecdsa.SymmetricAlg = TpmAlg.Null;
        ecdsa.Scheme = 0x0018; // ECDSA
        ecdsa.SchemeHash = TpmAlg.Sha256;
        ecdsa.Kdf = 0x0020; // KDF1_SP800_56A
        ecdsa.KdfHash = TpmAlg.Sha256;
        ecdsa.UniqueX = new byte[32];
        ecdsa.UniqueY = new byte[32];
        Assert.That(TpmPublic.Parse(ecdsa.ToBytes()).ToBytes(), Is.EqualTo(ecdsa.ToBytes()));
    }

    [Test]
    public void Public_TruncatedOrUnknownType_ThrowsProtocol()
    {
        byte[] srk = TpmPublic.StorageRootKeyTemplate().ToBytes();
        for (int n = 0; n < srk.Length; n++)
            Assert.Throws<TpmProtocolException>(() => TpmPublic.Parse(srk.AsSpan(0, n)), $"length {n}");
        Assert.Throws<TpmProtocolException>(() => TpmPublic.Parse(srk.Concat(new byte[] { 0 }).ToArray()));
        Assert.Throws<TpmProtocolException>(() => TpmPublic.Parse([0x00, 0x25, 0, 0x0B, 0, 0, 0, 0, 0, 0]));
    }

    private static TpmSealedObject SampleSealed()
    {
        var sel = new PcrSelection([7, 11]);
        var values = new Dictionary<int, byte[]> { [7] = SHA256.HashData("7"u8), [11] = SHA256.HashData("11"u8) };
        byte[] policy = TpmPolicy.SealingPolicy(sel, values, withPin: true);
        var pub = TpmPublic.SealedDataTemplate(policy, true);
        return new TpmSealedObject(RandomNumberGenerator.GetBytes(150), pub, sel, values, policy,
            TpmPublic.StorageRootKeyTemplate().ComputeName(), hasPin: true);
    }

    [Test]
    public void SealedObject_RoundTrip_Identical()
    {
        var s = SampleSealed();
        var back = TpmSealedObject.Parse(s.ToBytes());
        Assert.That(back.ToBytes(), Is.EqualTo(s.ToBytes()));
        Assert.That(back.HasPin, Is.True);
        Assert.That(back.Pcrs, Is.EqualTo(s.Pcrs));
        Assert.That(back.PcrValues[11], Is.EqualTo(s.PcrValues[11]));
        Assert.That(back.SrkName, Is.EqualTo(s.SrkName));
    }

    [Test]
    public void SealedObject_EveryTruncationAndRandomMutation_OnlyMalformedError()
    {
        byte[] good = SampleSealed().ToBytes();
        for (int n = 0; n < good.Length; n++)
        {
            var e = Assert.Throws<TpmUnsealException>(() => TpmSealedObject.Parse(good.AsSpan(0, n)))!;
            Assert.That(e.Failure, Is.EqualTo(TpmFailure.MalformedSealedObject));
        }
        var rng = new Random(4);
        for (int i = 0; i < 3000; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[rng.Next(bad.Length)] ^= (byte)(1 + rng.Next(255));
            try { TpmSealedObject.Parse(bad); }
            catch (TpmUnsealException e) { Assert.That(e.Failure, Is.EqualTo(TpmFailure.MalformedSealedObject)); }
        }
    }
}
