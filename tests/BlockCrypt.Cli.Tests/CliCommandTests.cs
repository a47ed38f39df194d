using System.Security.Cryptography;
using System.Text.Json;
using BlockCrypt.Cli.CommandLine;
using NUnit.Framework;
using static BlockCrypt.Cli.Tests.CliRunner;

namespace BlockCrypt.Cli.Tests;

public class CliCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("bc-cli").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private Result Format(string container = "c.img", params string[] extra) =>
        Run("pw\n", ["format", P(container), "--size", "4M", "--filesystem", "none", "--passphrase-stdin", "--recovery-password-out", P("rp.txt"), .. CheapKdf, .. extra]);

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Test]
    public void Format_EachProtectorKind_UnlocksStatus()
    {
        var r = Format("c.img", "--key-file-out", P("k.key"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        Assert.That(new FileInfo(P("k.key")).Length, Is.EqualTo(32));
        Assert.That(Run("pw\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(0));
        Assert.That(Run("", "status", P("c.img"), "--recovery-password-file", P("rp.txt")).ExitCode, Is.EqualTo(0));
        Assert.That(Run("", "status", P("c.img"), "--key-file", P("k.key")).ExitCode, Is.EqualTo(0));
        var json = Run("", "status", P("c.img"), "--json");
        using var doc = JsonDocument.Parse(json.Out);
        Assert.That(doc.RootElement.GetProperty("protectors").GetArrayLength(), Is.EqualTo(3));
        Assert.That(doc.RootElement.GetProperty("dataOffset").GetInt64(), Is.EqualTo(1 << 20));
        Assert.That(new FileInfo(P("c.img")).Length, Is.EqualTo((1 << 20) + (4 << 20)));
    }

    [Test, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void SecretFiles_AreOwnerOnly_WhateverTheUmask()
    {
        // Under umask 022 (forced here, inherited by the CLI processes) plain creation gives 0644; every secret must be 0600.
        uint previous = umask(0x12);
        try
        {
            var r = Format("c.img", "--key-file-out", P("k.key"));
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
            Assert.That(Run("", "header", "backup", P("c.img"), P("hdr")).ExitCode, Is.EqualTo(0));
            var export = Run("pw\n", "export-plain", P("c.img"), P("plain.img"), "--passphrase-stdin");
            Assert.That(export.ExitCode, Is.EqualTo(0), export.Err);
        }
        finally
        {
            umask(previous);
        }
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        foreach (string name in new[] { "c.img", "rp.txt", "k.key", "hdr", "plain.img" })
            Assert.That(File.GetUnixFileMode(P(name)), Is.EqualTo(ownerOnly), name);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "umask")]
    private static extern uint umask(uint mask);

    [Test]
    public void Status_WrongPassphrase_Exit3OneLineContainerUnchanged()
    {
        Assert.That(Format().ExitCode, Is.EqualTo(0));
        string before = Hash(P("c.img"));
        var r = Run("nope\n", "status", P("c.img"), "--passphrase-stdin");
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.WrongCredential));
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(r.Err, Does.Not.Contain(" at "));
        var bad = Run("", "status", P("c.img"), "--recovery-password", "111112-000000-000000-000000-000000-000000-000000-000000");
        Assert.That(bad.ExitCode, Is.EqualTo(ExitCodes.InvalidArgument));
        Assert.That(bad.Err, Does.Contain("Group 1"));
        Assert.That(Hash(P("c.img")), Is.EqualTo(before));
    }

    [Test]
    public void ProtectorAdd_SecondStdinLineIsNewPassphrase_BothOpen()
    {
        Assert.That(Format().ExitCode, Is.EqualTo(0));
        var add = Run("pw\nnew-pass\n", ["protector", "add", P("c.img"), "--passphrase-stdin", "--kind", "passphrase", .. CheapKdf]);
        Assert.That(add.ExitCode, Is.EqualTo(0), add.Err);
        Assert.That(Run("new-pass\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(0));
        Assert.That(Run("pw\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(0));
        string id = add.Out.Split(' ', StringSplitOptions.TrimEntries)[3].Trim();
        var remove = Run("new-pass\n", "protector", "remove", P("c.img"), id, "--passphrase-stdin");
        Assert.That(remove.ExitCode, Is.EqualTo(0), remove.Err);
        Assert.That(Run("new-pass\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(ExitCodes.WrongCredential));
    }

    [Test]
    public void Rotate_MissingSecret_Exit10Unchanged_AllSecrets_Works()
    {
        Assert.That(Format().ExitCode, Is.EqualTo(0));
        string before = Hash(P("c.img"));
        var refused = Run("pw\n", "rotate", P("c.img"), "--passphrase-stdin");
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.Refused));
        Assert.That(refused.Err, Does.Contain("recovery"));
        Assert.That(Hash(P("c.img")), Is.EqualTo(before));
        var ok = Run("pw\n", "rotate", P("c.img"), "--passphrase-stdin", "--recovery-password-file", P("rp.txt"));
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Err);
        Assert.That(Run("", "status", P("c.img"), "--recovery-password-file", P("rp.txt")).ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void Erase_NoYesAndNoTerminal_RefusedUnchanged_WithYes_Erased()
    {
        Assert.That(Format().ExitCode, Is.EqualTo(0));
        string before = Hash(P("c.img"));
        Assert.That(Run("", "erase", P("c.img")).ExitCode, Is.EqualTo(ExitCodes.Refused));
        Assert.That(Hash(P("c.img")), Is.EqualTo(before));
        Assert.That(Run("", "erase", P("c.img"), "--yes").ExitCode, Is.EqualTo(0));
        Assert.That(Run("pw\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(ExitCodes.NotAVolume));
    }

    [Test]
    public void HeaderRestore_AfterAllCopiesDamaged_OpensAgain()
    {
        Assert.That(Format().ExitCode, Is.EqualTo(0));
        Assert.That(Run("", "header", "backup", P("c.img"), P("hdr")).ExitCode, Is.EqualTo(0));
        using (var f = new FileStream(P("c.img"), FileMode.Open))
        {
            foreach (long offset in new long[] { 100, 262144 + 100, 524288 + 100 })
            {
                f.Position = offset;
                f.Write(new byte[] { 9, 9, 9 });
            }
        }
        Assert.That(Run("pw\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(ExitCodes.DamagedMetadata));
        Assert.That(Run("", "header", "restore", P("c.img"), P("hdr")).ExitCode, Is.EqualTo(0));
        Assert.That(Run("pw\n", "status", P("c.img"), "--passphrase-stdin").ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void Run_BadUsage_DocumentedCodes()
    {
        Assert.That(Run("", "frobnicate").ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(Run("", "status", P("missing.img")).ExitCode, Is.EqualTo(ExitCodes.FileNotFound));
        Assert.That(Run("", "status", P("x"), "--bogus").ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(Run("pw\n", "format", P("c.img"), "--size", "12Q", "--passphrase-stdin").ExitCode, Is.EqualTo(ExitCodes.InvalidArgument));
        Assert.That(Run("pw\n", "format", P("c.img"), "--size", "1000", "--passphrase-stdin").ExitCode, Is.EqualTo(ExitCodes.InvalidArgument));
        Assert.That(File.Exists(P("c.img")), Is.False, "a failed format leaves no file");
        File.WriteAllBytes(P("junk"), new byte[2 << 20]);
        Assert.That(Run("", "status", P("junk")).ExitCode, Is.EqualTo(ExitCodes.NotAVolume));
    }

    [Test]
    public void Help_EveryCommand_ExplainsUsage()
    {
        var main = Run("", "--help");
        Assert.That(main.ExitCode, Is.EqualTo(0));
        Assert.That(main.Out, Does.Contain("Exit codes"));
        foreach (var command in new CliApp().Commands)
        {
            var r = Run("", [.. command.Name.Split(' '), "--help"]);
            Assert.That(r.ExitCode, Is.EqualTo(0), command.Name);
            Assert.That(r.Out, Does.Contain($"Usage: blockcrypt {command.Name}"), command.Name);
        }
    }
}
