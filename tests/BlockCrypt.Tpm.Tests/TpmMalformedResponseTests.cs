using BlockCrypt.Tpm.Marshalling;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
public sealed class TpmMalformedResponseTests
{
    private static TpmProtocolException GetRandomWith(byte[] response)
    {
        using var c = new TpmClient(new CannedTransport(response));
        return Assert.Throws<TpmProtocolException>(() => c.GetRandom(new byte[8]))!;
    }

    private static readonly byte[] GoodGetRandom = [0x80, 0x01, 0, 0, 0, 20, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8];

    [Test]
    public void GetRandom_WellFormed_Works()
    {
        using var c = new TpmClient(new CannedTransport(GoodGetRandom));
        byte[] b = new byte[8];
        c.GetRandom(b);
        Assert.That(b, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
    }

    [Test]
    public void Response_EveryTruncation_ClearProtocolError()
    {
        for (int n = 0; n < GoodGetRandom.Length; n++)
        {
            byte[] cut = GoodGetRandom[..n];
            if (n >= 6) cut[5] = (byte)n; // even with a consistent size field
            var e = GetRandomWith(cut);
            Assert.That(e.Message, Does.Contain("malformed"), $"length {n}");
        }
    }

    [Test]
    public void Response_WrongSizeField_ClearProtocolError()
    {
        byte[] r = (byte[])GoodGetRandom.Clone();
        r[5] = 30;
        Assert.That(GetRandomWith(r).Message, Does.Contain("size field 30 but 20 bytes received"));
    }

    [Test]
    public void Response_WrongTag_ClearProtocolError()
    {
        byte[] r = (byte[])GoodGetRandom.Clone();
        r[0] = 0x00; r[1] = 0xC4;
        Assert.That(GetRandomWith(r).Message, Does.Contain("tag 0x00C4"));
        r[0] = 0x80; r[1] = 0x02;
        Assert.That(GetRandomWith(r).Message, Does.Contain("does not match the command's use of sessions"));
    }

    [Test]
    public void Response_InnerSizeTooLarge_ClearProtocolError()
    {
        byte[] r = (byte[])GoodGetRandom.Clone();
        r[11] = 9;
        Assert.That(GetRandomWith(r).Message, Does.Contain("randomBytes"));
    }

    [Test]
    public void Response_TrailingBytes_ClearProtocolError()
    {
        byte[] r = GoodGetRandom.Concat(new byte[] { 0 }).ToArray();
        r[5] = 21;
        Assert.That(GetRandomWith(r).Message, Does.Contain("trailing"));
    }

    [Test]
    public void Response_ErrorCode_TpmExceptionWithCode()
    {
        using var c = new TpmClient(new CannedTransport([0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x00]));
        var e = Assert.Throws<TpmException>(() => c.Startup())!;
        Assert.That(e.ResponseCode, Is.EqualTo(0x100u));
        Assert.That(e.Message, Does.Contain("TPM_RC_INITIALIZE"));
    }

    [Test]
    public void Response_ErrorWithBody_ClearProtocolError()
    {
        using var c = new TpmClient(new CannedTransport([0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x00, 0, 0]));
        Assert.Throws<TpmProtocolException>(() => c.Startup());
    }

    [Test]
    public void Response_RetryThenSuccess_Retried()
    {
        byte[] retry = [0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x09, 0x22];
        using var c = new TpmClient(new CannedTransport(retry, retry, GoodGetRandom));
        c.GetRandom(new byte[8]);
    }

    [Test]
    public void PcrRead_LyingSelectionOrCounts_ClearProtocolError()
    {
        // pcrUpdateCounter, selection of PCR 8 (asked 7), one digest.
        byte[] body = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0x0B, 3, 0x00, 0x01, 0x00, 0, 0, 0, 1, 0, 32, .. new byte[32]];
        byte[] r = [0x80, 0x01, 0, 0, 0, (byte)(10 + body.Length), 0, 0, 0, 0, .. body];
        using var c = new TpmClient(new CannedTransport(r));
        var e = Assert.Throws<TpmProtocolException>(() => c.PcrRead(PcrSelection.Default))!;
        Assert.That(e.Message, Does.Contain("sha256:8"));
    }

    [Test]
    public void GetCapability_HugeCount_ClearProtocolError()
    {
        byte[] r = [0x80, 0x01, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0x7F, 0xFF, 0xFF, 0xFF];
        using var c = new TpmClient(new CannedTransport(r));
        Assert.Throws<TpmProtocolException>(() => c.GetProperty(TpmPt.LockoutCounter));
    }
}
