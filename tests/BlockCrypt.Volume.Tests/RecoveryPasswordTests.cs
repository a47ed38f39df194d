using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests;

public class RecoveryPasswordTests
{
    [Test]
    public void Format_RandomKey_EightGroupsOfMultiplesOf11()
    {
        Span<byte> key = stackalloc byte[16];
        string password = RecoveryPassword.Generate(key);
        string[] groups = password.Split('-');
        Assert.That(groups, Has.Length.EqualTo(8));
        Assert.That(groups.All(g => g.Length == 6 && int.Parse(g) % 11 == 0 && int.Parse(g) < 720896), Is.True);
        Span<byte> back = stackalloc byte[16];
        RecoveryPassword.Parse(password.Replace("-", " "), back);
        Assert.That(back.SequenceEqual(key), Is.True);
        RecoveryPassword.Parse(password.Replace("-", ""), back);
        Assert.That(back.SequenceEqual(key), Is.True);
    }

    [Test]
    public void Parse_KnownKey_Decodes()
    {
        // Group i = 11 * little-endian u16 at byte 2i: 000011 -> 1, 720885 -> 65535.
        byte[] key = new byte[16];
        RecoveryPassword.Parse("000011-720885-000000-000022-000000-000000-000000-000000", key);
        Assert.That(key[..8], Is.EqualTo(new byte[] { 1, 0, 0xFF, 0xFF, 0, 0, 2, 0 }));
    }

    [TestCase("000011-720885-000000-000023-000000-000000-000000-000000", "Group 4")]
    [TestCase("000011-720896-000000-000022-000000-000000-000000-000000", "Group 2")]
    [TestCase("000011-720885-000000-000022-000000-000000-000000", "48 digits")]
    [TestCase("000011-72088x-000000-000022-000000-000000-000000-000000", "only digits")]
    public void Parse_Mistyped_NamesTheProblem(string text, string expected)
    {
        var e = Assert.Throws<VolumeException>(() => RecoveryPassword.Parse(text, new byte[16]));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.InvalidRecoveryPassword));
        Assert.That(e.Message, Does.Contain(expected));
    }
}
