using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Storage;
using BlockCrypt.TestSupport;
using BlockCrypt.Tpm;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Transport;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests.Tpm;

[TestFixture]
[Category("Tpm")]
public sealed class TpmProtectorTests
{
    private static readonly byte[] Pin = Encoding.UTF8.GetBytes("pin-8264-canary");

    private static MemoryBlockDevice NewVolume(TpmCredential tpm, out Guid tpmId)
    {
        var container = VolumeTestKit.NewContainer();
        var secrets = new UnlockCredentials();
        secrets.Set(tpm);
        var (unlocked, results) = Volume.Create(container, new VolumeCreateOptions
        {
            SectorSize = 4096,
            Protectors = [VolumeTestKit.PassphraseRequest(), new ProtectorRequest { Kind = ProtectorKind.Tpm, Secrets = secrets, Kdf = KdfOptions.Minimal }],
        });
        tpmId = results[1].Id;
        foreach (var r in results) r.Dispose();
        unlocked.Dispose();
        unlocked.Volume.Dispose();
        return container;
    }

    private static UnlockedVolume UnlockWithTpm(MemoryBlockDevice container, TpmCredential tpm)
    {
        var credentials = new UnlockCredentials();
        credentials.Set(tpm);
        var volume = Volume.Open(container);
        try
        {
            return volume.Unlock(credentials);
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }

    private static void Extend(SwtpmInstance tpm, int pcr)
    {
        using var c = TpmClient.Open(tpm.DeviceSpec);
        c.PcrExtend(pcr, SHA256.HashData(BitConverter.GetBytes(pcr)));
    }

    [Test]
    public void Unlock_TpmProtector_OpensVolume()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec), out Guid id);
        using var unlocked = UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec));
        Assert.That(unlocked.UnlockedBy, Is.EqualTo(id));
        Assert.That(unlocked.GetStatus().Protectors.Single(p => p.Id == id).Details, Is.EqualTo("PCRs sha256:7, no PIN"));
        unlocked.Volume.Dispose();
    }

    [Test]
    public void Unlock_BoundPcrChanged_PcrMessageThenResealWorks()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec), out Guid id);
        Extend(tpm, 8);
        UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec)).Dispose(); // unbound PCR: still opens
        Extend(tpm, 7);
        var e = Assert.Throws<VolumeException>(() => UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec)))!;
        Assert.That(e.Code, Is.EqualTo(VolumeErrorCode.ProtectorFailure));
        Assert.That(e.Message, Does.Contain("PCR 7 has changed since this protector was sealed; unlock with the recovery password, then run `blockcrypt protector reseal`"));

        using (var volume = Volume.Open(container))
        using (var unlocked = volume.Unlock(VolumeTestKit.WithPassphrase()))
            TpmProtectorHandler.Reseal(unlocked, id, new TpmCredential(tpm.DeviceSpec), KdfOptions.Minimal);
        using var again = UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec));
        Assert.That(again.UnlockedBy, Is.EqualTo(id));
        again.Volume.Dispose();
    }

    [Test]
    public void Unlock_Pin_RightWrongMissing()
    {
        using var tpm = SwtpmInstance.Start();
        using (var c = TpmClient.Open(tpm.DeviceSpec)) c.DictionaryAttackParameters(3, 1000, 0);
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec, Pin) { Pcrs = new PcrSelection([7, 11]) }, out Guid id);

        var wrong = Assert.Throws<VolumeException>(() => UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec, "nope"u8)))!;
        Assert.That(wrong.Message, Does.Contain("wrong TPM PIN; 2 tries left before the TPM locks out"));
        var missing = Assert.Throws<VolumeException>(() => UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec)))!;
        Assert.That(missing.Message, Does.Contain("needs its PIN"));

        using var unlocked = UnlockWithTpm(container, new TpmCredential(tpm.DeviceSpec, Pin));
        Assert.That(unlocked.UnlockedBy, Is.EqualTo(id));
        Assert.That(unlocked.GetStatus().Protectors.Single(p => p.Id == id).Details, Does.StartWith("PCRs sha256:7,11, PIN (Argon2id"));
        unlocked.Volume.Dispose();
    }

    [Test]
    public void Unlock_Recorded_NoVolumeKeyPinOrSealedKeyOnTheWire()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec, Pin), out _);
        var recorded = new List<byte>();
        var credential = new TpmCredential(tpm.DeviceSpec, Pin) { Connect = () => new Recorder(TpmTransportFactory.Open(tpm.DeviceSpec), recorded) };
        using var unlocked = UnlockWithTpm(container, credential);
        byte[] fvek = new byte[unlocked.VolumeKeyLength];
        unlocked.CopyVolumeKey(fvek);
        byte[] wire = [.. recorded];
        Assert.That(wire.Length, Is.GreaterThan(500));
        foreach (byte[] secret in new[] { fvek, Pin, BlockCrypt.Tpm.Sealing.TpmSealer.PinToAuthValue(Pin) })
            for (int i = 0; i + 8 <= secret.Length; i++)
                Assert.That(wire.AsSpan().IndexOf(secret.AsSpan(i, 8)), Is.EqualTo(-1));
        unlocked.Volume.Dispose();
    }

    [Test]
    public void Unlock_OtherTpm_WrongTpmMessage()
    {
        using var tpm = SwtpmInstance.Start();
        using var other = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec), out _);
        var e = Assert.Throws<VolumeException>(() => UnlockWithTpm(container, new TpmCredential(other.DeviceSpec)))!;
        Assert.That(e.Message, Does.Contain("the TPM is not the one this protector was sealed with"));
    }

    private sealed class Recorder(ITpmTransport inner, List<byte> log) : ITpmTransport
    {
        public string Description => inner.Description;

        public int Transmit(ReadOnlySpan<byte> command, Span<byte> response)
        {
            log.AddRange(command.ToArray());
            int n = inner.Transmit(command, response);
            log.AddRange(response[..n].ToArray());
            return n;
        }

        public void Dispose() => inner.Dispose();
    }
}
