using BlockCrypt.Cli.CommandLine;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Cli.Tests;

/// <summary>The customer-key commands run in-process against a real SoftHSM2 token created per test.</summary>
[TestFixture]
[Category("Hsm")]
[NonParallelizable]
public sealed class Pkcs11CliTests
{
    private SoftHsmToken _hsm = null!;
    private string _container = null!;

    [SetUp]
    public void SetUp()
    {
        _hsm = SoftHsmToken.Create();
        _container = Path.Combine(_hsm.Directory, "vol.bc");
    }

    [TearDown]
    public void TearDown() => _hsm.Dispose();

    private (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = new CliApp().Run(args, new CliConsole { In = new StringReader(stdin), Out = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string[] Hsm(params string[] rest) =>
        ["--pkcs11-module", SoftHsmToken.ModulePath, .. rest];

    private void CreateKey(string label, string type)
    {
        var r = Run(_hsm.UserPin + "\n", ["hsm", "create-key", .. Hsm("--token-label", _hsm.TokenLabel, "--key-label", label, "--type", type, "--pkcs11-pin-stdin")]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("LAB USE ONLY"));
    }

    private void DestroyKey(string label)
    {
        var r = Run(_hsm.UserPin + "\n", ["hsm", "destroy-key", .. Hsm("--token-label", _hsm.TokenLabel, "--key-label", label, "--pkcs11-pin-stdin", "--yes")]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
    }

    private Guid FormatAndAddPkcs11(string keyLabel)
    {
        var format = Run("pass-1\n", "format", _container, "--size", "4M", "--filesystem", "none", "--passphrase-stdin",
            "--pbkdf-memory", "8192", "--pbkdf-force-iterations", "1", "--pbkdf-parallel", "1");
        Assert.That(format.Code, Is.EqualTo(0), format.Err);
        // Unlocking secret first, then the PIN (one per line).
        var add = Run($"pass-1\n{_hsm.UserPin}\n", ["protector", "add", _container, "--kind", "pkcs11", "--passphrase-stdin",
            .. Hsm("--token-label", _hsm.TokenLabel, "--key-label", keyLabel, "--pkcs11-pin-stdin")]);
        Assert.That(add.Code, Is.EqualTo(0), add.Err);
        string id = add.Out.Split(' ', '\n').First(w => Guid.TryParse(w, out _));
        return Guid.Parse(id);
    }

    [TestCase("aes256")]
    [TestCase("rsa3072")]
    public void ProtectorAdd_Pkcs11_ThenStatusUnlocksWithPinOnly(string type)
    {
        CreateKey("cmk", type);
        Guid id = FormatAndAddPkcs11("cmk");

        var status = Run(_hsm.UserPin + "\n", ["status", _container, .. Hsm("--pkcs11-pin-stdin")]);

        Assert.That(status.Code, Is.EqualTo(0), status.Err);
        Assert.That(status.Out, Does.Contain("metadata authenticated"));
        Assert.That(status.Out, Does.Contain(id.ToString()).And.Contain("key 'cmk'"));
    }

    [Test]
    public void Rewrap_ThenOldKeyDestroyed_UnlocksAndHsmStatusReportsReachable()
    {
        CreateKey("cmk-old", "aes256");
        CreateKey("cmk-new", "rsa3072");
        Guid id = FormatAndAddPkcs11("cmk-old");

        var rewrap = Run(_hsm.UserPin + "\n", ["protector", "rewrap", _container, "--id", id.ToString(), "--new-key-label", "cmk-new", .. Hsm("--pkcs11-pin-stdin")]);
        DestroyKey("cmk-old");
        var status = Run(_hsm.UserPin + "\n", ["status", _container, .. Hsm("--pkcs11-pin-stdin")]);
        var check = Run(_hsm.UserPin + "\n", ["hsm", "status", _container, .. Hsm("--pkcs11-pin-stdin")]);

        Assert.That(rewrap.Code, Is.EqualTo(0), rewrap.Err);
        Assert.That(status.Code, Is.EqualTo(0), status.Err);
        Assert.That(check.Code, Is.EqualTo(0), check.Err);
        Assert.That(check.Out, Does.Contain($"{id}  reachable").And.Contain("key 'cmk-new'"));
    }

    [Test]
    public void CryptoShredding_KeyDestroyedAndPassphraseRemoved_NothingOpensAndStatusNamesTheProtector()
    {
        CreateKey("cmk", "aes256");
        Guid pkcs11 = FormatAndAddPkcs11("cmk");
        var list = Run("", "protector", "list", _container);
        string passphraseId = list.Out.Split('\n').First(l => l.Contains("passphrase")).Split(' ')[0];
        string recoveryId = list.Out.Split('\n').First(l => l.Contains("recovery")).Split(' ')[0];
        foreach (string other in new[] { passphraseId, recoveryId })
        {
            var remove = Run(_hsm.UserPin + "\n", ["protector", "remove", _container, other, .. Hsm("--pkcs11-pin-stdin")]);
            Assert.That(remove.Code, Is.EqualTo(0), remove.Err);
        }

        DestroyKey("cmk");
        var unlock = Run(_hsm.UserPin + "\n", ["status", _container, .. Hsm("--pkcs11-pin-stdin")]);
        var passphrase = Run("pass-1\n", "status", _container, "--passphrase-stdin");
        var check = Run(_hsm.UserPin + "\n", ["hsm", "status", _container, .. Hsm("--pkcs11-pin-stdin")]);

        Assert.That(unlock.Code, Is.EqualTo(12));
        Assert.That(unlock.Err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(unlock.Err, Does.Contain($"pkcs11 protector {pkcs11}").And.Contain("never created or destroyed"));
        Assert.That(passphrase.Code, Is.EqualTo(3));
        Assert.That(check.Code, Is.EqualTo(12));
        Assert.That(check.Out, Does.Contain($"{pkcs11}  UNREACHABLE    KeyMissing"));
    }

    [Test]
    public void Status_WrongPin_ExitsWrongCredentialWithOneLine()
    {
        CreateKey("cmk", "aes256");
        FormatAndAddPkcs11("cmk");

        var r = Run("000000\n", ["status", _container, .. Hsm("--pkcs11-pin-stdin")]);

        Assert.That(r.Code, Is.EqualTo(3));
        Assert.That(r.Err.Trim(), Does.StartWith("blockcrypt: ").And.Contain("wrong PIN").And.Not.Contain("\n"));
    }

    [Test]
    public void HsmCreateKey_MissingModule_ExitsPkcs11WithOneLine()
    {
        var r = Run("1234\n", "hsm", "create-key", "--pkcs11-module", "/nonexistent/libpkcs11.so", "--token-label", "t", "--key-label", "k", "--pkcs11-pin-stdin");

        Assert.That(r.Code, Is.EqualTo(12));
        Assert.That(r.Err.Trim(), Is.EqualTo("blockcrypt: HSM: PKCS#11 module not found: /nonexistent/libpkcs11.so"));
    }

    [Test]
    public void HsmCreateKey_UnknownToken_ExitsPkcs11()
    {
        var r = Run(_hsm.UserPin + "\n", ["hsm", "create-key", .. Hsm("--token-label", "missing", "--key-label", "k", "--pkcs11-pin-stdin")]);

        Assert.That(r.Code, Is.EqualTo(12));
        Assert.That(r.Err, Does.Contain("no token labelled 'missing'"));
    }

    [Test]
    public void HsmDestroyKey_WithoutYes_IsRefused()
    {
        CreateKey("keep", "aes256");

        var r = Run(_hsm.UserPin + "\n", ["hsm", "destroy-key", .. Hsm("--token-label", _hsm.TokenLabel, "--key-label", "keep", "--pkcs11-pin-stdin")]);

        Assert.That(r.Code, Is.EqualTo(10));
    }
}
