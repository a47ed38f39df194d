using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Tpm.Sessions;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

/// <summary>tpm2-tools as an independent implementation. Our connection is closed before each tool runs.</summary>
[TestFixture]
[Category("Tpm")]
public sealed class TpmToolsCrossCheckTests
{
    private static void Ok(SwtpmInstance.ToolResult r, string what) =>
        Assert.That(r.ExitCode, Is.Zero, $"{what} failed: {r.StdErr}{r.StdOut}");

    [Test]
    public void PcrRead_AfterExtends_AgreesWithTpm2PcrRead()
    {
        using var tpm = SwtpmInstance.Start();
        var sel = new PcrSelection([0, 7, 8, 11, 16, 23]);
        IReadOnlyDictionary<int, byte[]> ours;
        using (var c = TpmClient.Open(tpm.DeviceSpec))
        {
            c.PcrExtend(7, SHA256.HashData("a"u8));
            c.PcrExtend(11, SHA256.HashData("b"u8));
            c.PcrExtend(16, SHA256.HashData("c"u8));
            ours = c.PcrRead(sel);
        }
        string file = Path.Combine(tpm.StateDir, "pcrs.bin");
        Ok(tpm.RunTool("tpm2_pcrread", "sha256:0,7,8,11,16,23", "-o", file), "tpm2_pcrread");
        byte[] theirs = File.ReadAllBytes(file);
        Assert.That(theirs, Has.Length.EqualTo(6 * 32));
        Assert.That(ours.Values.SelectMany(v => v).ToArray(), Is.EqualTo(theirs));
        Assert.That(ours[7], Is.Not.EqualTo(ours[8]));
    }

    [Test]
    public void StorageRootKeyName_EqualsTpm2CreatePrimary()
    {
        using var tpm = SwtpmInstance.Start();
        byte[] ours = TpmSealer.ForDevice(tpm.DeviceSpec).GetStorageRootKeyName();
        string ctx = Path.Combine(tpm.StateDir, "srk.ctx");
        string name = Path.Combine(tpm.StateDir, "srk.name");
        Ok(tpm.RunTool("tpm2_createprimary", "-C", "o", "-G", "ecc256:aes128cfb", "-g", "sha256",
            "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt", "-c", ctx), "tpm2_createprimary");
        Ok(tpm.RunTool("tpm2_readpublic", "-c", ctx, "-n", name), "tpm2_readpublic");
        Assert.That(File.ReadAllBytes(name), Is.EqualTo(ours));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void SealingPolicy_EqualsTpm2PolicyPcr(bool withPin)
    {
        using var tpm = SwtpmInstance.Start();
        var sel = new PcrSelection([7, 11]);
        byte[] software, trial;
        using (var c = TpmClient.Open(tpm.DeviceSpec))
        {
            c.PcrExtend(7, SHA256.HashData("secure boot"u8));
            software = TpmPolicy.SealingPolicy(sel, c.PcrRead(sel), withPin);
            using var s = c.StartAuthSession(TpmSessionType.Trial, null, symmetric: false);
            c.PolicyPcr(s, sel);
            if (withPin) c.PolicyAuthValue(s);
            trial = c.PolicyGetDigest(s);
            c.FlushContext(s.Handle);
        }
        Assert.That(trial, Is.EqualTo(software), "our trial session vs our software digest");

        string session = Path.Combine(tpm.StateDir, "session.ctx");
        string policy = Path.Combine(tpm.StateDir, "policy.bin");
        Ok(tpm.RunTool("tpm2_startauthsession", "-S", session), "tpm2_startauthsession");
        Ok(tpm.RunTool("tpm2_policypcr", "-S", session, "-l", "sha256:7,11", "-L", policy), "tpm2_policypcr");
        if (withPin) Ok(tpm.RunTool("tpm2_policyauthvalue", "-S", session, "-L", policy), "tpm2_policyauthvalue");
        Ok(tpm.RunTool("tpm2_flushcontext", session), "tpm2_flushcontext");
        Assert.That(File.ReadAllBytes(policy), Is.EqualTo(software));
    }
}
