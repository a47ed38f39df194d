using NUnit.Framework;
namespace BlockCrypt.Crypto.Tests;

[TestFixture]
public class XtsAesVectorTests
{
    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.SupportedWithVectors))]
    public void EncryptDataUnit_Ieee1619Vector_MatchesCiphertext(XtsImplementation tier, XtsVector vector)
    {
        using var xts = new XtsAes(vector.Key, tier, allowEqualHalves: vector.Number == 1);
        var output = new byte[vector.Plaintext.Length];
        xts.EncryptDataUnit(vector.Plaintext, output, vector.DataUnit);
        Assert.That(Convert.ToHexString(output), Is.EqualTo(Convert.ToHexString(vector.Ciphertext)));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.SupportedWithVectors))]
    public void DecryptDataUnit_Ieee1619Vector_MatchesPlaintext(XtsImplementation tier, XtsVector vector)
    {
        using var xts = new XtsAes(vector.Key, tier, allowEqualHalves: vector.Number == 1);
        var output = new byte[vector.Ciphertext.Length];
        xts.DecryptDataUnit(vector.Ciphertext, output, vector.DataUnit);
        Assert.That(Convert.ToHexString(output), Is.EqualTo(Convert.ToHexString(vector.Plaintext)));
    }

    [TestCaseSource(typeof(XtsTiers), nameof(XtsTiers.SupportedWithVectors))]
    public void EncryptSectors_Ieee1619VectorAsOneSector_MatchesCiphertextAndDecryptsBack(XtsImplementation tier, XtsVector vector)
    {
        if (vector.Plaintext.Length % XtsAes.BlockSize != 0)
        {
            // Vectors 15-18 are partial-block data units: EncryptSectors must refuse them (CTS is EncryptDataUnit).
            using var refusing = new XtsAes(vector.Key, tier);
            Assert.Throws<ArgumentOutOfRangeException>(
                () => refusing.EncryptSectors(vector.Plaintext, new byte[vector.Plaintext.Length], (ulong)vector.DataUnit, vector.Plaintext.Length));
            return;
        }

        using var xts = new XtsAes(vector.Key, tier, allowEqualHalves: vector.Number == 1);
        var output = new byte[vector.Plaintext.Length];
        xts.EncryptSectors(vector.Plaintext, output, (ulong)vector.DataUnit, vector.Plaintext.Length);
        Assert.That(Convert.ToHexString(output), Is.EqualTo(Convert.ToHexString(vector.Ciphertext)));
        xts.DecryptSectors(output, output, (ulong)vector.DataUnit, output.Length);
        Assert.That(output, Is.EqualTo(vector.Plaintext));
    }

    [Test]
    public void Constructor_Vector1AllZeroKey_RefusedBecauseHalvesAreEqual()
    {
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => new XtsAes(XtsIeee1619Vectors.All[0].Key));
    }

    [Test]
    public void Vectors_AgreeWithOpenSsl_ForEveryVectorWithDistinctHalves()
    {
        foreach (XtsVector vector in XtsIeee1619Vectors.All.Where(v => v.Number != 1))
        {
            using var openSsl = new TestSupport.OpenSslXts(vector.Key);
            var output = new byte[vector.Plaintext.Length];
            openSsl.EncryptDataUnit(vector.Plaintext, output, vector.DataUnit);
            Assert.That(output, Is.EqualTo(vector.Ciphertext), vector.ToString());
        }
    }
}
