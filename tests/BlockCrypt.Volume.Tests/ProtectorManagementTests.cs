using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Volume.Format;
using NUnit.Framework;
using static BlockCrypt.Volume.Tests.VolumeTestKit;

namespace BlockCrypt.Volume.Tests;

public class ProtectorManagementTests
{
    [Test]
    public void RemoveProtector_Last_Refused()
    {
        using var container = CreatePassphraseVolume();
        using var volume = Volume.Open(container);
        using var credentials = WithPassphrase();
        using var unlocked = volume.Unlock(credentials);
        byte[] before = Snapshot(container);
        var e = Assert.Throws<VolumeException>(() => unlocked.RemoveProtector(unlocked.UnlockedBy));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.LastProtector));
        Assert.That(Snapshot(container), Is.EqualTo(before));
    }

    [Test]
    public void RemoveProtector_Removed_NoLongerOpens()
    {
        using var container = CreatePassphraseVolume();
        Guid id;
        using (var volume = Volume.Open(container))
        using (var credentials = WithPassphrase())
        using (var unlocked = volume.Unlock(credentials))
        {
            unlocked.AddProtector(PassphraseRequest("second")).Dispose();
            id = unlocked.UnlockedBy;
            unlocked.RemoveProtector(id);
        }
        using var reopened = Volume.Open(container);
        using var old = WithPassphrase();
        Assert.That(Assert.Throws<VolumeException>(() => reopened.Unlock(old))!.Code, Is.EqualTo(VolumeErrorCode.WrongCredential));
        using var second = WithPassphrase("second");
        using var ok = reopened.Unlock(second);
    }

    [Test]
    public void Rotate_AllSecrets_OldVmkOpensNothing()
    {
        using var container = NewContainer();
        var (created, results) = Volume.Create(container, new VolumeCreateOptions { Protectors = [PassphraseRequest(), KeyFileRequest()] });
        byte[] keyFile = (byte[])results[1].KeyFile!.Clone();
        created.Device.Write(0, CrashSafetyTests.Pattern(4096));
        created.Dispose();
        created.Volume.Dispose();

        // Capture the old VMK by unwrapping with the key-file KEK path: unlock, then read the wrapped FVEK before/after.
        byte[] oldMetadata = container.GetSpan(0, MetadataLayout.CopyRegionSize).ToArray();
        MetadataCodec.TryParse(oldMetadata, out var before, out _);
        using (var volume = Volume.Open(container))
        using (var credentials = WithPassphrase().AddKeyFile(keyFile))
        using (var unlocked = volume.Unlock(credentials))
        {
            unlocked.Rotate(credentials);
        }
        MetadataCodec.TryParse(container.GetSpan(0, MetadataLayout.CopyRegionSize), out var after, out _);
        Assert.That(after!.WrappedFvek, Is.Not.EqualTo(before!.WrappedFvek));
        Assert.That(after.Protectors.Select(p => p.WrappedVmk), Is.Not.EqualTo(before.Protectors.Select(p => p.WrappedVmk)));

        // Both protectors still open, data unchanged.
        foreach (var credentials in new[] { WithPassphrase(), new UnlockCredentials().AddKeyFile(keyFile) })
        {
            using var volume = Volume.Open(container);
            using var unlocked = volume.Unlock(credentials);
            byte[] back = new byte[4096];
            unlocked.Device.Read(0, back);
            Assert.That(back, Is.EqualTo(CrashSafetyTests.Pattern(4096)));
            credentials.Dispose();
        }
    }

    [Test]
    public void Rotate_OldVmk_NoLongerUnwrapsFvek()
    {
        using var container = CreatePassphraseVolume();
        byte[] oldVmk = new byte[32];
        using (var volume = Volume.Open(container))
        using (var credentials = WithPassphrase())
        using (var unlocked = volume.Unlock(credentials))
        {
            // Recover the old VMK the way an attacker who once held it would: it is the key that unwraps the FVEK.
            oldVmk = TestHooks.Vmk(unlocked);
            unlocked.Rotate(credentials);
        }
        MetadataCodec.TryParse(container.GetSpan(0, MetadataLayout.CopyRegionSize), out var after, out _);
        byte[] fvek = new byte[64];
        Assert.That(AesGcmKeyWrap.TryUnwrap(oldVmk, after!.WrappedFvek, Volume.FvekAad(after), fvek), Is.False);
        Assert.That(after.Protectors.All(p => !AesGcmKeyWrap.TryUnwrap(oldVmk, p.WrappedVmk, Volume.VmkAad(after.VolumeId, p), new byte[32])), Is.True);
    }

    [Test]
    public void Rotate_SecretMissing_RefusedUnchanged()
    {
        using var container = NewContainer();
        var (created, results) = Volume.Create(container, new VolumeCreateOptions { Protectors = [PassphraseRequest(), KeyFileRequest()] });
        created.Dispose();
        created.Volume.Dispose();
        foreach (var r in results) r.Dispose();
        byte[] before = Snapshot(container);
        using var volume = Volume.Open(container);
        using var credentials = WithPassphrase();
        using var unlocked = volume.Unlock(credentials);
        var e = Assert.Throws<VolumeException>(() => unlocked.Rotate(credentials));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.SecretMissing));
        Assert.That(e.Message, Does.Contain("keyfile"));
        Assert.That(Snapshot(container), Is.EqualTo(before));
    }

    [Test]
    public void Unlock_NoCredential_ClearError()
    {
        using var container = CreatePassphraseVolume();
        using var volume = Volume.Open(container);
        using var none = new UnlockCredentials();
        var e = Assert.Throws<VolumeException>(() => volume.Unlock(none));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.NoCredential));
    }
}
