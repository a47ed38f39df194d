using System.Buffers.Binary;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Tpm.Sessions;
using BlockCrypt.Tpm.Transport;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
[Category("Tpm")]
public sealed class TpmClientTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();

    private static bool SentCommand(RecordingTransport rec, uint code) =>
        rec.Sent.Any(c => c.Length >= 10 && BinaryPrimitives.ReadUInt32BigEndian(c.AsSpan(6)) == code);

    [Test]
    public void Sealer_PersistentSrkAt81000001_UsedWithoutCreatePrimary()
    {
        using var tpm = SwtpmInstance.Start();
        string ctx = Path.Combine(tpm.StateDir, "srk.ctx");
        Assert.That(tpm.RunTool("tpm2_createprimary", "-C", "o", "-G", "ecc256:aes128cfb", "-g", "sha256",
            "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt", "-c", ctx).ExitCode, Is.Zero);
        var evict = tpm.RunTool("tpm2_evictcontrol", "-C", "o", "-c", ctx, "0x81000001");
        Assert.That(evict.ExitCode, Is.Zero, evict.StdErr);

        var recordings = new List<RecordingTransport>();
        var sealer = new TpmSealer(() => { var r = new RecordingTransport(TpmTransportFactory.Open(tpm.DeviceSpec)); recordings.Add(r); return r; });
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, []);
        Assert.That(sealer.Unseal(sealedObject, []), Is.EqualTo(Secret));
        Assert.That(recordings.Any(r => SentCommand(r, TpmCc.CreatePrimary)), Is.False);
        Assert.That(recordings.All(r => SentCommand(r, TpmCc.ReadPublic)), Is.True);

        using var c = TpmClient.Open(tpm.DeviceSpec);
        Assert.That(c.GetHandles(TpmRh.PersistentFirst), Does.Contain(TpmRh.PersistentSrk));
        Assert.That(c.CreatePrimary(TpmPublic.StorageRootKeyTemplate()) is var t && t.Name.SequenceEqual(sealedObject.SrkName), Is.True,
            "the persistent SRK and an on-demand one from the same template have the same Name");
        c.FlushContext(t.Handle);
    }

    [Test]
    public void Unseal_PolicyPasswordSession_SatisfiesAuthValuePolicy()
    {
        // PolicyPassword extends the policy exactly like PolicyAuthValue (Part 3 §23.18) but sends the authValue in
        // clear: the object sealed with a PIN opens through either, and the password path skips the response HMAC.
        using var tpm = SwtpmInstance.Start();
        byte[] pin = "4711"u8.ToArray();
        var sealedObject = TpmSealer.ForDevice(tpm.DeviceSpec).Seal(Secret, PcrSelection.Default, pin);
        using var c = TpmClient.Open(tpm.DeviceSpec);
        var srk = c.CreatePrimary(TpmPublic.StorageRootKeyTemplate());
        var item = c.Load(srk, TpmAuth.Password(), sealedObject.PrivateBlob, sealedObject.Public);
        using var s = c.StartAuthSession(TpmSessionType.Policy, srk);
        c.PolicyPcr(s, sealedObject.Pcrs);
        c.PolicyPassword(s);
        Assert.That(c.PolicyGetDigest(s), Is.EqualTo(sealedObject.PolicyDigest));
        byte[] buffer = new byte[64];
        int n = c.Unseal(item, TpmAuth.With(s, TpmSealer.PinToAuthValue(pin), TpmaSession.Encrypt), buffer);
        Assert.That(buffer[..n], Is.EqualTo(Secret));
        foreach (uint h in new[] { s.Handle, item.Handle, srk.Handle }) c.FlushContext(h);
    }

    [Test]
    public void Basics_StartupTwiceGetRandomProperties()
    {
        using var tpm = SwtpmInstance.Start();
        using var c = TpmClient.Open(tpm.DeviceSpec);
        var e = Assert.Throws<TpmException>(() => c.Startup())!;
        Assert.That(e.ResponseCode, Is.EqualTo(TpmResponseCode.Initialize), "swtpm was started with startup-clear");
        byte[] a = new byte[100], b = new byte[100];
        c.GetRandom(a);
        c.GetRandom(b);
        Assert.That(a, Is.Not.EqualTo(b));
        var p = c.GetProperties(TpmPt.LockoutCounter, 4);
        Assert.That(p.Keys, Is.SupersetOf(new[] { TpmPt.LockoutCounter, TpmPt.MaxAuthFail, TpmPt.LockoutInterval, TpmPt.LockoutRecovery }));
        c.DictionaryAttackParameters(7, 60, 120);
        Assert.That(c.GetProperty(TpmPt.MaxAuthFail), Is.EqualTo(7u));
        Assert.That(c.GetProperty(TpmPt.LockoutInterval), Is.EqualTo(60u));
        var flush = Assert.Throws<TpmException>(() => c.FlushContext(0x80000042))!;
        Assert.That(flush.Decoded.Subject, Is.EqualTo(TpmRcSubject.Parameter));
    }

    [Test]
    public void Objects_WithoutFlushing_ObjectMemoryWarningDecoded()
    {
        using var tpm = SwtpmInstance.Start();
        using var c = TpmClient.Open(tpm.DeviceSpec);
        var handles = new List<uint>();
        var e = Assert.Throws<TpmException>(() =>
        {
            for (int i = 0; i < 10; i++) handles.Add(c.CreatePrimary(TpmPublic.StorageRootKeyTemplate()).Handle);
        })!;
        Assert.That(e.ResponseCode, Is.EqualTo(TpmResponseCode.ObjectMemory));
        Assert.That(e.Decoded.IsWarning, Is.True);
        foreach (uint h in handles) c.FlushContext(h);
    }
}
