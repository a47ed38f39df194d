using System.Security.Cryptography;
using BlockCrypt.Storage;
using BlockCrypt.TestSupport;
using BlockCrypt.Volume.CustomerKey;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests.CustomerKey;

/// <summary>The pkcs11 protector kind on a real volume (in memory) and a real SoftHSM2 token per test.</summary>
[TestFixture]
[Category("Hsm")]
[NonParallelizable]
public sealed class Pkcs11ProtectorTests
{
    private const string Passphrase = "correct horse battery staple";
    private SoftHsmToken _hsm = null!;
    private MemoryBlockDevice _container = null!;

    [OneTimeSetUp]
    public void RegisterHandler() => ProtectorHandlers.Register(new Pkcs11ProtectorHandler());

    [SetUp]
    public void SetUp()
    {
        _hsm = SoftHsmToken.Create();
        _container = new MemoryBlockDevice(16384, 512); // 8 MiB; containers have 512-byte sectors
    }

    [TearDown]
    public void TearDown()
    {
        _container.Dispose();
        _hsm.Dispose();
    }

    private Pkcs11Credential Credential(string? keyLabel = null, string? pin = null, List<byte[]>? record = null) =>
        new(SoftHsmToken.ModulePath, System.Text.Encoding.UTF8.GetBytes(pin ?? _hsm.UserPin))
        {
            TokenLabel = keyLabel is null ? null : _hsm.TokenLabel,
            KeyLabel = keyLabel,
            WrapperDecorator = record is null ? null : inner => new RecordingCustomerKeyWrapper(inner, record),
        };

    private CustomerKeyIdentity CreateHsmKey(string label, CustomerKeyType type)
    {
        using Pkcs11Token token = Pkcs11Token.Open(SoftHsmToken.ModulePath, _hsm.TokenLabel, _hsm.UserPinBytes);
        return token.CreateKey(label, type);
    }

    private void DestroyHsmKey(string label)
    {
        using Pkcs11Token token = Pkcs11Token.Open(SoftHsmToken.ModulePath, _hsm.TokenLabel, _hsm.UserPinBytes);
        token.DestroyKey(label);
    }

    /// <summary>A volume with a passphrase protector and a pkcs11 protector on <paramref name="keyLabel"/>.</summary>
    private Guid CreateVolume(string keyLabel, List<byte[]>? record = null)
    {
        var secrets = new UnlockCredentials();
        secrets.Set(Credential(keyLabel, record: record));
        var options = new VolumeCreateOptions
        {
            Protectors =
            [
                new ProtectorRequest { Kind = ProtectorKind.Passphrase, Secrets = new UnlockCredentials().AddPassphrase(Passphrase), Kdf = KdfOptions.Minimal },
                new ProtectorRequest { Kind = ProtectorKind.Pkcs11, Secrets = secrets, Description = "customer key" },
            ],
        };
        var (volume, protectors) = Volume.Create(_container, options);
        try
        {
            return protectors.Single(p => p.Kind == ProtectorKind.Pkcs11).Id;
        }
        finally
        {
            foreach (var p in protectors) p.Dispose();
            volume.Volume.Dispose();
            volume.Dispose();
        }
    }

    private UnlockedVolume UnlockWithHsm(Volume volume, Pkcs11Credential credential)
    {
        using var credentials = new UnlockCredentials();
        credentials.Set(credential);
        return volume.Unlock(credentials);
    }

    [TestCase(CustomerKeyType.Aes256)]
    [TestCase(CustomerKeyType.Rsa3072)]
    public void Unlock_Pkcs11Credential_OpensWithTheCustomerKeyProtector(CustomerKeyType type)
    {
        CreateHsmKey("cmk", type);
        Guid protectorId = CreateVolume("cmk");

        using Volume volume = Volume.Open(_container);
        using UnlockedVolume unlocked = UnlockWithHsm(volume, Credential());

        Assert.That(unlocked.UnlockedBy, Is.EqualTo(protectorId));
        Assert.That(volume.GetStatus().Protectors.Single(p => p.Id == protectorId).Details, Does.Contain("key 'cmk'"));
    }

    [Test]
    public void Unlock_WrongPin_FailsWithWrongPinReason()
    {
        CreateHsmKey("cmk", CustomerKeyType.Aes256);
        CreateVolume("cmk");
        using Volume volume = Volume.Open(_container);

        var error = Assert.Throws<VolumeException>(() => UnlockWithHsm(volume, Credential(pin: "000000")));

        Assert.That(error!.Code, Is.EqualTo(VolumeErrorCode.ProtectorFailure));
        Assert.That(((CustomerKeyException)error.InnerException!).Reason, Is.EqualTo(CustomerKeyError.WrongPin));
        Assert.That(error.Message, Does.Contain("wrong PIN"));
    }

    [Test]
    public void AddProtector_UnknownKeyLabel_FailsWithKeyMissingAndAddsNothing()
    {
        CreateHsmKey("cmk", CustomerKeyType.Aes256);
        CreateVolume("cmk");
        using Volume volume = Volume.Open(_container);
        using UnlockedVolume unlocked = volume.Unlock(new UnlockCredentials().AddPassphrase(Passphrase));
        var secrets = new UnlockCredentials();
        secrets.Set(Credential("no-such-key"));

        var error = Assert.Throws<VolumeException>(() => unlocked.AddProtector(new ProtectorRequest { Kind = ProtectorKind.Pkcs11, Secrets = secrets }));

        Assert.That(((CustomerKeyException)error!.InnerException!).Reason, Is.EqualTo(CustomerKeyError.KeyMissing));
        Assert.That(volume.GetStatus().Protectors, Has.Count.EqualTo(2));
    }

    [TestCase(CustomerKeyType.Aes256, CustomerKeyType.Rsa3072)]
    [TestCase(CustomerKeyType.Rsa3072, CustomerKeyType.Aes256)]
    public void Rewrap_NewKeyThenOldKeyDestroyed_StillUnlocks(CustomerKeyType oldType, CustomerKeyType newType)
    {
        CreateHsmKey("cmk-2025", oldType);
        CreateHsmKey("cmk-2026", newType);
        Guid protectorId = CreateVolume("cmk-2025");
        using (Volume volume = Volume.Open(_container))
        using (UnlockedVolume unlocked = UnlockWithHsm(volume, Credential()))
        {
            Pkcs11ProtectorHandler.Rewrap(unlocked, protectorId, Credential(), "cmk-2026");
        }

        DestroyHsmKey("cmk-2025");

        using Volume reopened = Volume.Open(_container);
        using UnlockedVolume again = UnlockWithHsm(reopened, Credential());
        Assert.That(again.UnlockedBy, Is.EqualTo(protectorId));
        Assert.That(reopened.GetStatus().Protectors.Single(p => p.Id == protectorId).Details, Does.Contain("key 'cmk-2026'"));
    }

    [Test]
    public void Rewrap_OldKeyAlreadyDestroyed_IsRefusedAndChangesNothing()
    {
        CreateHsmKey("old", CustomerKeyType.Aes256);
        CreateHsmKey("new", CustomerKeyType.Aes256);
        Guid protectorId = CreateVolume("old");
        DestroyHsmKey("old");
        using Volume volume = Volume.Open(_container);
        using UnlockedVolume unlocked = volume.Unlock(new UnlockCredentials().AddPassphrase(Passphrase));
        byte[] before = volume.Metadata.Protectors.Single(p => p.Id == protectorId).Parameters.ToArray();

        var error = Assert.Throws<VolumeException>(() => Pkcs11ProtectorHandler.Rewrap(unlocked, protectorId, Credential(), "new"));

        Assert.That(((CustomerKeyException)error!.InnerException!).Reason, Is.EqualTo(CustomerKeyError.KeyMissing));
        Assert.That(volume.Metadata.Protectors.Single(p => p.Id == protectorId).Parameters, Is.EqualTo(before));
    }

    [Test]
    public void DestroyKey_OtherProtectorsRemoved_VolumeOpensWithNothing()
    {
        CreateHsmKey("cmk", CustomerKeyType.Aes256);
        Guid protectorId = CreateVolume("cmk");
        using (Volume volume = Volume.Open(_container))
        using (UnlockedVolume unlocked = UnlockWithHsm(volume, Credential()))
        {
            foreach (var other in volume.GetStatus().Protectors.Where(p => p.Id != protectorId).ToList())
            {
                unlocked.RemoveProtector(other.Id);
            }
        }

        DestroyHsmKey("cmk");

        using Volume shredded = Volume.Open(_container);
        var hsmError = Assert.Throws<VolumeException>(() => UnlockWithHsm(shredded, Credential()));
        var passphraseError = Assert.Throws<VolumeException>(() => shredded.Unlock(new UnlockCredentials().AddPassphrase(Passphrase)));
        CustomerKeyException? reach = Pkcs11ProtectorHandler.CheckReachable(shredded, protectorId, Credential());

        Assert.That(((CustomerKeyException)hsmError!.InnerException!).Reason, Is.EqualTo(CustomerKeyError.KeyMissing));
        Assert.That(hsmError.Message, Does.Contain("never created or destroyed"));
        Assert.That(passphraseError!.Code, Is.EqualTo(VolumeErrorCode.NoCredential));
        Assert.That(shredded.GetStatus().Protectors.Select(p => p.Id), Is.EqualTo(new[] { protectorId }));
        Assert.That(reach?.Reason, Is.EqualTo(CustomerKeyError.KeyMissing));
    }

    [Test]
    public void CheckReachable_KeyPresent_ReturnsNull()
    {
        CreateHsmKey("cmk", CustomerKeyType.Rsa3072);
        Guid protectorId = CreateVolume("cmk");
        using Volume volume = Volume.Open(_container);

        Assert.That(Pkcs11ProtectorHandler.CheckReachable(volume, protectorId, Credential()), Is.Null);
        Assert.That(Pkcs11ProtectorHandler.CheckReachable(volume, protectorId, Credential(pin: "000000"))?.Reason,
            Is.EqualTo(CustomerKeyError.WrongPin));
    }

    [TestCase(CustomerKeyType.Aes256)]
    [TestCase(CustomerKeyType.Rsa3072)]
    public void HsmTraffic_CreateAndUnlock_OnlyTheProtectorKekNeverTheFvekOrVmk(CustomerKeyType type)
    {
        CreateHsmKey("cmk", type);
        var seen = new List<byte[]>();
        Guid protectorId = CreateVolume("cmk", seen);
        using Volume volume = Volume.Open(_container);
        using UnlockedVolume unlocked = UnlockWithHsm(volume, Credential(record: seen));
        byte[] fvek = new byte[unlocked.VolumeKeyLength];
        unlocked.CopyVolumeKey(fvek);
        ProtectorRecord record = volume.Metadata.Protectors.Single(p => p.Id == protectorId);
        byte[] vmk = new byte[32];

        // Create wraps the KEK and checks the round trip (2), unlock unwraps it (1): always the same 32-byte KEK ...
        Assert.That(seen, Has.Count.EqualTo(3));
        Assert.That(seen, Has.All.Length.EqualTo(Pkcs11ProtectorHandler.KekLength));
        Assert.That(seen[1], Is.EqualTo(seen[0]));
        Assert.That(seen[2], Is.EqualTo(seen[0]));
        // ... which is exactly the key that unwraps this protector's VMK wrap (the VMK-side input), ...
        Assert.That(BlockCrypt.Crypto.KeyWrap.AesGcmKeyWrap.TryUnwrap(seen[0], record.WrappedVmk, volume.VmkAad(record), vmk), Is.True);
        // ... and neither the VMK nor any 16-byte piece of the FVEK ever reached the HSM.
        foreach (byte[] secret in seen)
        {
            Assert.That(secret, Is.Not.EqualTo(vmk));
            for (int offset = 0; offset + 16 <= fvek.Length; offset++)
            {
                Assert.That(secret.AsSpan().IndexOf(fvek.AsSpan(offset, 16)), Is.EqualTo(-1));
            }
        }

        CryptographicOperations.ZeroMemory(fvek);
        CryptographicOperations.ZeroMemory(vmk);
    }
}
