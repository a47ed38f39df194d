using System.Text;
using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

[TestFixture, Category("Fat")]
public class FatNamesTests
{
    private static string Short(string name, params string[] taken)
    {
        var sn = new byte[11];
        FatNames.Generate(name, s => taken.Contains(s), sn);
        return Encoding.ASCII.GetString(sn);
    }

    [TestCase("readme.txt", "README  TXT")]
    [TestCase("A long file name.html", "ALONGF~1HTM")]
    [TestCase("x.tar.gz", "XTAR~1  GZ ")]
    [TestCase(".hidden", "HIDDEN~1   ")]
    [TestCase("Ünïcødé.doc", "_N_C_D~1DOC")]
    [TestCase("a+b,c.txt", "A_B_C~1 TXT")]
    public void Generate_Name_ShortNamePerBasisRules(string name, string expected) =>
        Assert.That(Short(name), Is.EqualTo(expected));

    [Test]
    public void Generate_TailTaken_NextNumber()
    {
        Assert.That(Short("A long file name.html", "ALONGF~1HTM"), Is.EqualTo("ALONGF~2HTM"));
        Assert.That(Short("readme.txt", "README  TXT"), Is.EqualTo("README~1TXT"));
        var taken = Enumerable.Range(1, 9).Select(i => $"ALONGF~{i}HTM").ToArray();
        Assert.That(Short("A long file name.html", taken), Is.EqualTo("ALONG~10HTM"));
    }

    [Test]
    public void Checksum_KnownShortName_MatchesSpecAlgorithm()
    {
        // Spec §7.2 ChkSum: rotate right by one, add the next byte; computed by hand for "README  TXT".
        byte sum = 0;
        foreach (byte b in "README  TXT"u8) sum = (byte)(((sum & 1) << 7) + (sum >> 1) + b);
        Assert.That(FatNames.Checksum("README  TXT"u8), Is.EqualTo(sum));
        Assert.That(FatNames.Checksum("README  TXT"u8), Is.Not.EqualTo(FatNames.Checksum("README~1TXT"u8)));
    }

    [TestCase("CON"), TestCase("con.txt"), TestCase("Aux"), TestCase("NUL.tar.gz"), TestCase("COM1"), TestCase("lpt9.log"), TestCase("PRN")]
    [TestCase("a<b"), TestCase("a>b"), TestCase("a:b"), TestCase("a\"b"), TestCase("a|b"), TestCase("a?b"), TestCase("a*b"), TestCase("tab\there")]
    [TestCase("trailing."), TestCase("trailing "), TestCase("."), TestCase("..")]
    public void Validate_BadName_InvalidName(string name)
    {
        var ex = Assert.Throws<FileSystemException>(() => FatNames.Validate(name));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.InvalidName));
    }

    [TestCase("COM10"), TestCase("console"), TestCase(".profile"), TestCase("a b.c d"), TestCase("日本語"), TestCase("[x]+y=z;,")]
    public void Validate_GoodName_Accepted(string name) => Assert.DoesNotThrow(() => FatNames.Validate(name));

    [Test]
    public void Validate_256Chars_NameTooLong()
    {
        Assert.DoesNotThrow(() => FatNames.Validate(new string('a', 255)));
        var ex = Assert.Throws<FileSystemException>(() => FatNames.Validate(new string('a', 256)));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.NameTooLong));
    }

    [Test]
    public void LongSlots_RoundTrip_Name255WithSurrogates()
    {
        string name = string.Concat(Enumerable.Repeat("🎉x", 85)); // 255 UTF-16 units
        Assert.That(name.Length, Is.EqualTo(255));
        var slots = new byte[FatNames.LongSlots(name) * 32];
        FatNames.WriteLongSlots(name, 0x5A, slots);
        Assert.That(slots[0], Is.EqualTo(0x40 | 20));
        var chars = new char[20 * 13];
        for (int k = 0; k < 20; k++) FatNames.ReadLongSlot(slots.AsSpan(k * 32, 32), chars.AsSpan((19 - k) * 13, 13));
        Assert.That(new string(chars, 0, 255), Is.EqualTo(name));
    }

    [Test]
    public void CreateFile_NamesThatCollideOnShortName_GetDistinctTails()
    {
        using var dev = new MemoryBlockDevice((40L << 20) / 512, 512);
        FatFileSystem.Format(dev);
        using var fs = FatFileSystem.Open(dev);
        for (int i = 0; i < 12; i++) fs.OpenFile($"/Long file name number {i}.text", FileOpenMode.CreateNew, true).Dispose();
        var shorts = fs.ReadDirectory("/").Select(e => e.ShortName).ToList();
        Assert.That(shorts, Is.Unique);
        Assert.That(shorts, Does.Contain("LONGFI~1.TEX").And.Contain("LONGF~10.TEX"));
        Assert.That(fs.Stat("/LONGFI~1.TEX").Name, Is.EqualTo("Long file name number 0.text"));
        var ex = Assert.Throws<FileSystemException>(() => fs.OpenFile("/longfi~1.tex", FileOpenMode.CreateNew, true));
        Assert.That(ex!.Error, Is.EqualTo(FileSystemError.AlreadyExists));
    }
}
