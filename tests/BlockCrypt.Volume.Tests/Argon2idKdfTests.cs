using BlockCrypt.Volume.Kdf;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests;

public class Argon2idKdfTests
{
    [Test]
    public void Derive_Rfc9106Section5_3Vector_Matches()
    {
        // RFC 9106 §5.3 (Argon2id): password 32 x 01, salt 16 x 02, secret 8 x 03, associated data 12 x 04,
        // m = 32 KiB, t = 3, p = 4, tag 32 bytes.
        byte[] output = new byte[32];
        Argon2idKdf.Derive(Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)2, 16).ToArray(),
            new Argon2idParameters(32, 3, 4), output, Enumerable.Repeat((byte)3, 8).ToArray(), Enumerable.Repeat((byte)4, 12).ToArray());
        Assert.That(Convert.ToHexString(output), Is.EqualTo("0D640DF58D78766C08C037A34A8B53C9D01EF0452D75B65EB52520E96B01E659"));
    }

    [Test]
    public void Resolve_ExplicitBelowFloor_Refused()
    {
        var e = Assert.Throws<VolumeException>(() => new KdfOptions { MemoryKiB = 1024, ForceIterations = 1 }.Resolve());
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.InvalidArgument));
    }

    [Test]
    public void Resolve_ShortIterTime_CalibratesWithinBounds()
    {
        var p = new KdfOptions { IterTimeMs = 50, MemoryKiB = 32 * 1024 }.Resolve();
        Assert.That(p.CheckBounds(), Is.Null);
        Assert.That(p.MemoryKiB, Is.LessThanOrEqualTo(32 * 1024));
        Assert.That(p.Lanes, Is.EqualTo(4));
    }
}
