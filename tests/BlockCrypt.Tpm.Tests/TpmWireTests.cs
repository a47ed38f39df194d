using System.Text;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Tpm.Sessions;
using BlockCrypt.Tpm.Transport;
using BlockCrypt.TestSupport;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

/// <summary>What crosses the "bus" (here the socket to swtpm): secrets only ever encrypted.</summary>
[TestFixture]
[Category("Tpm")]
public sealed class TpmWireTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("SEALED-SECRET-0123456789-ABCDEF!");
    private static readonly byte[] Pin = Encoding.ASCII.GetBytes("pin-7391-canary");

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle, int window = 8)
    {
        // Any 8-byte run of the needle counts, so a partial leak is caught too.
        for (int i = 0; i + window <= needle.Length; i++)
            if (haystack.AsSpan().IndexOf(needle.Slice(i, window)) >= 0) return true;
        return false;
    }

    [Test]
    public void SealAndUnseal_Recorded_NeitherSecretNorPinOnTheWire()
    {
        using var tpm = SwtpmInstance.Start();
        var recordings = new List<RecordingTransport>();
        var sealer = new TpmSealer(() =>
        {
            var r = new RecordingTransport(TpmTransportFactory.Open(tpm.DeviceSpec));
            recordings.Add(r);
            return r;
        });
        var sealedObject = sealer.Seal(Secret, PcrSelection.Default, Pin);
        byte[] unsealed = sealer.Unseal(sealedObject, Pin);
        Assert.That(unsealed, Is.EqualTo(Secret));
        Assert.That(recordings, Has.Count.EqualTo(2));

        byte[] authValue = TpmSealer.PinToAuthValue(Pin);
        foreach (var rec in recordings)
        {
            byte[] all = rec.All;
            Assert.That(all.Length, Is.GreaterThan(500));
            Assert.That(Contains(all, Secret), Is.False, "sealed secret seen on the wire");
            Assert.That(Contains(all, Pin), Is.False, "PIN seen on the wire");
            Assert.That(Contains(all, authValue), Is.False, "PIN authValue seen on the wire");
        }
    }

    [Test]
    public void Unseal_WithoutResponseEncryption_SecretVisible()
    {
        // The control for the test above: the same unseal without the Encrypt attribute does leak the secret,
        // so the recording would have caught a leak.
        using var tpm = SwtpmInstance.Start();
        var sealedObject = TpmSealer.ForDevice(tpm.DeviceSpec).Seal(Secret, PcrSelection.Default, []);
        var rec = new RecordingTransport(TpmTransportFactory.Open(tpm.DeviceSpec));
        using var client = new TpmClient(rec);
        var srk = client.CreatePrimary(TpmPublic.StorageRootKeyTemplate());
        var item = client.Load(srk, TpmAuth.Password(), sealedObject.PrivateBlob, sealedObject.Public);
        using var session = client.StartAuthSession(TpmSessionType.Policy, srk);
        client.PolicyPcr(session, sealedObject.Pcrs);
        byte[] buffer = new byte[128];
        int n = client.Unseal(item, TpmAuth.With(session), buffer);
        Assert.That(buffer[..n], Is.EqualTo(Secret));
        Assert.That(Contains(rec.All, Secret), Is.True);
        client.FlushContext(session.Handle);
        client.FlushContext(item.Handle);
        client.FlushContext(srk.Handle);
    }

    [Test]
    public void Unseal_ResponseAlteredInTransit_RefusedAsProtocolError()
    {
        using var tpm = SwtpmInstance.Start();
        var sealedObject = TpmSealer.ForDevice(tpm.DeviceSpec).Seal(Secret, PcrSelection.Default, []);
        var sealer = new TpmSealer(() => new RecordingTransport(TpmTransportFactory.Open(tpm.DeviceSpec), r =>
        {
            // Flip a bit of TPM2_Unseal's encrypted outData (the only 8002 response with a 34-byte first parameter).
            if (r.Length > 20 && r[0] == 0x80 && r[1] == 0x02 && r[14] == 0 && r[15] == 32) r[20] ^= 1;
            return r;
        }));
        var e = Assert.Throws<TpmUnsealException>(() => sealer.Unseal(sealedObject, []))!;
        Assert.That(e.Failure, Is.EqualTo(TpmFailure.Protocol));
        Assert.That(e.Message, Does.Contain("response HMAC of session 1 does not verify"));
    }
}
