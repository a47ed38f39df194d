using NUnit.Framework;
using BlockCrypt.Volume.Protectors;
using static BlockCrypt.Volume.Tests.VolumeTestKit;

namespace BlockCrypt.Volume.Tests;

public class VolumeRoundTripTests
{
    [Test]
    public void Unlock_Passphrase_ReadsBackWrittenData()
    {
        using var container = CreatePassphraseVolume();
        byte[] data = new byte[8192];
        Random.Shared.NextBytes(data);
        using (var volume = Volume.Open(container))
        using (var credentials = WithPassphrase())
        using (var unlocked = volume.Unlock(credentials))
        {
            unlocked.Device.Write(3, data);
        }
        using (var volume = Volume.Open(container))
        using (var credentials = WithPassphrase())
        using (var unlocked = volume.Unlock(credentials))
        {
            byte[] back = new byte[8192];
            unlocked.Device.Read(3, back);
            Assert.That(back, Is.EqualTo(data));
        }
    }

    [TestCase(ProtectorKind.Passphrase)]
    [TestCase(ProtectorKind.Recovery)]
    [TestCase(ProtectorKind.KeyFile)]
    public void Unlock_EachKind_OpensWithItsSecretOnly(ProtectorKind kind)
    {
        using var container = NewContainer();
        var request = kind switch
        {
            ProtectorKind.Passphrase => PassphraseRequest(),
            ProtectorKind.Recovery => RecoveryRequest(),
            _ => KeyFileRequest(),
        };
        var (created, results) = Volume.Create(container, new VolumeCreateOptions { Protectors = [request] });
        using var result = results[0];
        Guid volumeId = created.Volume.Id;
        created.Dispose();
        created.Volume.Dispose();

        using var good = new UnlockCredentials();
        using var bad = new UnlockCredentials();
        switch (kind)
        {
            case ProtectorKind.Passphrase: good.AddPassphrase(Passphrase); bad.AddPassphrase("wrong"); break;
            case ProtectorKind.Recovery: good.AddRecoveryPassword(result.RecoveryPassword!); bad.AddRecoveryPassword("000000-000000-000000-000000-000000-000000-000000-000011"); break;
            default: good.AddKeyFile(result.KeyFile!); bad.AddKeyFile(new byte[32]); break;
        }
        byte[] before = Snapshot(container);
        using var volume = Volume.Open(container);
        var e = Assert.Throws<VolumeException>(() => volume.Unlock(bad));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.WrongCredential));
        Assert.That(Snapshot(container), Is.EqualTo(before));
        using var unlocked = volume.Unlock(good);
        Assert.That(unlocked.Volume.Id, Is.EqualTo(volumeId));
    }
}
