using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BlockCrypt.Tpm.Sessions;
using BlockCrypt.Tpm.Transport;
using BlockCrypt.Tpm.Transport.Native;
using NUnit.Framework;

namespace BlockCrypt.Tpm.Tests;

[TestFixture]
public sealed class TpmKdfAndTransportTests
{
    [TestCase(16)]
    [TestCase(32)]
    [TestCase(48)]
    [TestCase(80)]
    public void KdfA_MatchesBclSp800108(int length)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), u = RandomNumberGenerator.GetBytes(32), v = RandomNumberGenerator.GetBytes(16);
        byte[] ours = new byte[length];
        TpmKdf.KdfA(key, "ATH", u, v, ours);
        byte[] bcl = SP800108HmacCounterKdf.DeriveBytes(key, HashAlgorithmName.SHA256, "ATH"u8, [.. u, .. v], length);
        Assert.That(ours, Is.EqualTo(bcl));
    }

    [Test]
    public void KdfE_MatchesDefinition()
    {
        byte[] z = RandomNumberGenerator.GetBytes(32), u = RandomNumberGenerator.GetBytes(32), v = RandomNumberGenerator.GetBytes(32);
        byte[] ours = new byte[48];
        TpmKdf.KdfE(z, "SECRET", u, v, ours);
        byte[] Block(byte i) => SHA256.HashData([0, 0, 0, i, .. z, .. "SECRET"u8, 0, .. u, .. v]);
        Assert.That(ours, Is.EqualTo(Block(1).Concat(Block(2)).Take(48).ToArray()));
    }

    [TestCase(1)]
    [TestCase(16)]
    [TestCase(33)]
    public void Cfb_PartialBlocks_RoundTripAndMatchFullBlockPrefix(int length)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), n1 = RandomNumberGenerator.GetBytes(16), n2 = RandomNumberGenerator.GetBytes(16);
        byte[] plain = RandomNumberGenerator.GetBytes(length);
        byte[] data = (byte[])plain.Clone();
        TpmKdf.CfbInPlace(key, n1, n2, data, encrypt: true);
        Assert.That(data, Is.Not.EqualTo(plain));
        byte[] longer = [.. plain, .. new byte[40]];
        TpmKdf.CfbInPlace(key, n1, n2, longer, encrypt: true);
        Assert.That(longer[..length], Is.EqualTo(data), "CFB is a stream: a prefix encrypts to a prefix");
        TpmKdf.CfbInPlace(key, n1, n2, data, encrypt: false);
        Assert.That(data, Is.EqualTo(plain));
    }

    [Test]
    public void TbsContextParams_LayoutVersion2IncludeTpm20()
    {
        Assert.That(Marshal.SizeOf<Tbs.ContextParams2>(), Is.EqualTo(8));
        Assert.That(Marshal.OffsetOf<Tbs.ContextParams2>(nameof(Tbs.ContextParams2.Flags)), Is.EqualTo((nint)4));
        var p = TbsTpmTransport.CreateContextParams();
        Assert.That(p.Version, Is.EqualTo(2u));
        Assert.That(p.Flags, Is.EqualTo(4u));
    }

    [Test]
    public void Factory_TbsOnLinux_Unavailable()
    {
        if (OperatingSystem.IsWindows()) return;
        var e = Assert.Throws<TpmUnavailableException>(() => TpmTransportFactory.Open("tbs"))!;
        Assert.That(e.Message, Does.StartWith("no TPM reachable at tbs (choose one with --tpm-device or BLOCKCRYPT_TPM)"));
    }

    [Test]
    public void Factory_MissingDevice_Unavailable()
    {
        var e = Assert.Throws<TpmUnavailableException>(() => TpmTransportFactory.Open("/dev/no-such-tpm9"))!;
        Assert.That(e.Device, Is.EqualTo("/dev/no-such-tpm9"));
    }

    [TestCase("swtpm:127.0.0.1:2321", "127.0.0.1", 2321)]
    [TestCase("swtpm:localhost:1", "localhost", 1)]
    [TestCase("swtpm:[::1]:65535", "::1", 65535)]
    public void Factory_ParseSwtpm(string spec, string host, int port) =>
        Assert.That(TpmTransportFactory.ParseHostPort(spec), Is.EqualTo((host, port)));

    [TestCase("swtpm:host")]
    [TestCase("swtpm:host:0")]
    [TestCase("swtpm:host:70000")]
    [TestCase("swtpm::x")]
    public void Factory_BadSwtpm_Unavailable(string spec) => Assert.Throws<TpmUnavailableException>(() => TpmTransportFactory.Open(spec));

    [Test]
    public void Factory_Resolve_ExplicitThenEnvironmentThenPlatform()
    {
        string? old = Environment.GetEnvironmentVariable(TpmTransportFactory.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(TpmTransportFactory.EnvironmentVariable, "swtpm:10.0.0.1:9");
            Assert.That(TpmTransportFactory.Resolve(null), Is.EqualTo("swtpm:10.0.0.1:9"));
            Assert.That(TpmTransportFactory.Resolve("/dev/tpm0"), Is.EqualTo("/dev/tpm0"));
            Environment.SetEnvironmentVariable(TpmTransportFactory.EnvironmentVariable, null);
            Assert.That(TpmTransportFactory.Resolve(""), Is.EqualTo(OperatingSystem.IsWindows() ? "tbs" : File.Exists("/dev/tpm0") && !File.Exists("/dev/tpmrm0") ? "/dev/tpm0" : "/dev/tpmrm0"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(TpmTransportFactory.EnvironmentVariable, old);
        }
    }
}
