using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Storage;
using BlockCrypt.TestSupport;
using BlockCrypt.Tpm;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests.Tpm;

/// <summary>Suspending and resuming TPM protection on real swtpm instances.</summary>
[TestFixture]
[Category("Tpm")]
public sealed class TpmSuspendTests
{
    private static readonly byte[] Pin = Encoding.UTF8.GetBytes("pin-5150");

    private static MemoryBlockDevice NewVolume(TpmCredential tpm, out Guid tpmId)
    {
        var container = VolumeTestKit.NewContainer();
        var secrets = new UnlockCredentials();
        secrets.Set(tpm);
        var (unlocked, results) = Volume.Create(container, new VolumeCreateOptions
        {
            Protectors = [VolumeTestKit.PassphraseRequest(), new ProtectorRequest { Kind = ProtectorKind.Tpm, Secrets = secrets, Kdf = KdfOptions.Minimal }],
        });
        tpmId = results[1].Id;
        foreach (var r in results) r.Dispose();
        unlocked.Dispose();
        unlocked.Volume.Dispose();
        return container;
    }

    private static UnlockedVolume Unlock(IBlockDevice container, TpmCredential tpm, Guid? only = null)
    {
        var credentials = new UnlockCredentials { ProtectorId = only };
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

    /// <summary>Unlocks with the passphrase and runs <paramref name="action"/>, closing everything afterwards.</summary>
    private static T WithPassphrase<T>(IBlockDevice container, Func<UnlockedVolume, T> action)
    {
        using var volume = Volume.Open(container);
        using var credentials = VolumeTestKit.WithPassphrase();
        using var unlocked = volume.Unlock(credentials);
        return action(unlocked);
    }

    private static VolumeStatus StatusOf(IBlockDevice container)
    {
        using var volume = Volume.Open(container);
        return volume.GetStatus();
    }

    private static void Extend(SwtpmInstance tpm, int pcr)
    {
        using var c = TpmClient.Open(tpm.DeviceSpec);
        c.PcrExtend(pcr, SHA256.HashData(Encoding.ASCII.GetBytes($"measurement {pcr} {Guid.NewGuid()}")));
    }

    private static void AssertOpensWithTpm(IBlockDevice container, TpmCredential tpm, Guid expected)
    {
        using var unlocked = Unlock(container, tpm, expected);
        Assert.That(unlocked.UnlockedBy, Is.EqualTo(expected));
        unlocked.Volume.Dispose();
    }

    [Test]
    public void SuspendThenResume_BoundPcrExtendedInBetween_OpensWhileSuspendedRefusedAfterResumeAndExtend()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec), out Guid id);

        var suspended = WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec)));
        Assert.That(suspended, Is.EqualTo(new[] { id }));
        var status = StatusOf(container);
        var info = status.Protectors.Single(p => p.Id == id);
        Assert.That(status.ProtectionSuspended, Is.True);
        Assert.That(info.Suspended, Is.True);
        Assert.That(info.Pcrs, Is.EqualTo(new[] { 7 }), "the intended PCRs are recorded");
        Assert.That(info.Details, Is.EqualTo("SUSPENDED: no PCR policy (resumes to PCRs sha256:7), no PIN"));

        Extend(tpm, 7); // the intended change (firmware update)
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec), id);

        var resumed = WithPassphrase(container, u => u.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec)));
        Assert.That(resumed, Is.EqualTo(new[] { id }));
        status = StatusOf(container);
        Assert.That(status.ProtectionSuspended, Is.False);
        Assert.That(status.Protectors.Single(p => p.Id == id).Details, Is.EqualTo("PCRs sha256:7, no PIN"));
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec), id); // sealed to the new value

        Extend(tpm, 7); // an unplanned change
        var e = Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec)))!;
        Assert.That(e.Code, Is.EqualTo(VolumeErrorCode.ProtectorFailure));
        Assert.That(e.Message, Does.Contain("PCR 7 has changed since this protector was sealed"));
    }

    [Test]
    public void SuspendAndResume_StateSurvivesReopeningAndRepeatingIsANoOp()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec) { Pcrs = new PcrSelection([0, 7]) }, out Guid id);
        Assert.That(StatusOf(container).ProtectionSuspended, Is.False);

        // Suspend through the TPM unlock itself (no other credential needed), then reopen from the bytes.
        using (var unlocked = Unlock(container, new TpmCredential(tpm.DeviceSpec)))
        {
            Assert.That(unlocked.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec)), Has.Count.EqualTo(1));
            Assert.That(unlocked.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec)), Is.Empty, "already suspended");
            unlocked.Volume.Dispose();
        }
        var copy = new MemoryBlockDevice(container.SectorCount, container.SectorSize);
        copy.Write(0, VolumeTestKit.Snapshot(container));
        var status = StatusOf(copy);
        Assert.That(status.ProtectionSuspended, Is.True);
        Assert.That(status.Protectors.Single(p => p.Id == id).Pcrs, Is.EqualTo(new[] { 0, 7 }));
        Extend(tpm, 0);
        AssertOpensWithTpm(copy, new TpmCredential(tpm.DeviceSpec), id);

        using (var unlocked = Unlock(copy, new TpmCredential(tpm.DeviceSpec)))
        {
            Assert.That(unlocked.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec)), Has.Count.EqualTo(1));
            Assert.That(unlocked.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec)), Is.Empty, "not suspended any more");
            unlocked.Volume.Dispose();
        }
        status = StatusOf(copy);
        Assert.That(status.ProtectionSuspended, Is.False);
        Assert.That(status.Protectors.Single(p => p.Id == id).Pcrs, Is.EqualTo(new[] { 0, 7 }));
        AssertOpensWithTpm(copy, new TpmCredential(tpm.DeviceSpec), id);
        Extend(tpm, 0);
        var e = Assert.Throws<VolumeException>(() => Unlock(copy, new TpmCredential(tpm.DeviceSpec)))!;
        Assert.That(e.Message, Does.Contain("PCR 0 has changed"));
    }

    [Test]
    public void Suspend_PinProtector_PinStillRequiredWhileSuspendedAndAfterResume()
    {
        using var tpm = SwtpmInstance.Start();
        using (var c = TpmClient.Open(tpm.DeviceSpec)) c.DictionaryAttackParameters(10, 1000, 0);
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec, Pin) { Pcrs = new PcrSelection([7, 11]) }, out Guid id);

        var noPin = Assert.Throws<VolumeException>(() => WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec))))!;
        Assert.That(noPin.Code, Is.EqualTo(VolumeErrorCode.SecretMissing));
        var wrongPin = Assert.Throws<VolumeException>(() => WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec, "0000"u8))))!;
        Assert.That(wrongPin.Message, Does.Contain("wrong TPM PIN"));
        Assert.That(StatusOf(container).ProtectionSuspended, Is.False, "nothing changed on a wrong PIN");

        WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec, Pin)));
        var info = StatusOf(container).Protectors.Single(p => p.Id == id);
        Assert.That(info.Suspended && info.RequiresPin, Is.True);
        Assert.That(info.Details, Does.StartWith("SUSPENDED: no PCR policy (resumes to PCRs sha256:7,11), PIN (Argon2id"));

        Extend(tpm, 11);
        var missing = Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec)))!;
        Assert.That(missing.Message, Does.Contain("needs its PIN"));
        var wrong = Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec, "1111"u8)))!;
        Assert.That(wrong.Message, Does.Contain("wrong TPM PIN"));
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, Pin), id);

        Assert.Throws<VolumeException>(() => WithPassphrase(container, u => u.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec))));
        WithPassphrase(container, u => u.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec, Pin)));
        Assert.That(StatusOf(container).ProtectionSuspended, Is.False);
        Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec)));
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, Pin), id);
        Extend(tpm, 11);
        var changed = Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec, Pin)))!;
        Assert.That(changed.Message, Does.Contain("PCR 11 has changed"));
    }

    [Test]
    public void Suspend_PcrsChangedAlready_FreshKeysKeepEachProtectorsPinState()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec), out Guid plain);
        Guid pinned = WithPassphrase(container, u => u.AddProtector(new ProtectorRequest
        {
            Kind = ProtectorKind.Tpm, Secrets = WithTpm(new TpmCredential(tpm.DeviceSpec, Pin) { Pcrs = new PcrSelection([7, 11]) }), Kdf = KdfOptions.Minimal,
        }).Id);
        Extend(tpm, 7); // changed before suspending: the old keys cannot be unsealed any more
        var suspended = WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec, Pin), KdfOptions.Minimal));
        Assert.That(suspended, Is.EquivalentTo(new[] { plain, pinned }));
        var status = StatusOf(container);
        Assert.That(status.Protectors.Single(p => p.Id == plain).RequiresPin, Is.False, "the PIN given is not forced on the protector without one");
        Assert.That(status.Protectors.Single(p => p.Id == pinned).Pcrs, Is.EqualTo(new[] { 7, 11 }));
        Extend(tpm, 11);
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec), plain);
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, Pin), pinned);
        WithPassphrase(container, u => u.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec, Pin)));
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec), plain);
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, Pin), pinned);
    }

    private static UnlockCredentials WithTpm(TpmCredential tpm)
    {
        var credentials = new UnlockCredentials();
        credentials.Set(tpm);
        return credentials;
    }

    [Test]
    public void Suspend_Parameters_FlagAndIntendedMaskWhileSuspendedV1LayoutAfterResume()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec) { Pcrs = new PcrSelection([7, 11]) }, out Guid id);
        byte[] Parameters()
        {
            using var v = Volume.Open(container);
            return v.Metadata.Protectors.Single(p => p.Id == id).Parameters;
        }
        int SealedEnd(byte[] p) => 6 + BinaryPrimitives.ReadUInt16LittleEndian(p.AsSpan(4)); // no PIN: argon length 0
        byte[] before = Parameters();
        Assert.That(before[1], Is.EqualTo(0));
        Assert.That(SealedEnd(before), Is.EqualTo(before.Length));

        WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec)));
        byte[] suspended = Parameters();
        Assert.That(suspended[1], Is.EqualTo(2), "flags bit 1: suspended");
        Assert.That(suspended.Length, Is.EqualTo(SealedEnd(suspended) + 4));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(suspended.AsSpan(SealedEnd(suspended))), Is.EqualTo((1u << 7) | (1u << 11)));
        Assert.That(BlockCrypt.Tpm.Sealing.TpmSealedObject.Parse(suspended.AsSpan(6, SealedEnd(suspended) - 6)).Pcrs.IsEmpty, Is.True);

        WithPassphrase(container, u => u.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec)));
        byte[] resumed = Parameters();
        Assert.That(resumed[1], Is.EqualTo(0));
        Assert.That(SealedEnd(resumed), Is.EqualTo(resumed.Length), "the version-1 layout older builds read");
    }

    [Test]
    public void Reseal_SuspendedProtector_BindsTheIntendedPcrsAgain()
    {
        using var tpm = SwtpmInstance.Start();
        var container = NewVolume(new TpmCredential(tpm.DeviceSpec), out Guid id);
        WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec)));
        WithPassphrase(container, u =>
        {
            var (_, pcrs) = TpmProtectorHandler.Inspect(u, id);
            Assert.That(pcrs.Indices, Is.EqualTo(new[] { 7 }));
            TpmProtectorHandler.Reseal(u, id, new TpmCredential(tpm.DeviceSpec) { Pcrs = pcrs }, KdfOptions.Minimal);
            return 0;
        });
        Assert.That(StatusOf(container).ProtectionSuspended, Is.False);
        Extend(tpm, 7);
        Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec)));
    }

    [Test]
    public void Suspend_NoTpmProtector_ProtectorNotFound()
    {
        var container = VolumeTestKit.CreatePassphraseVolume();
        var e = Assert.Throws<VolumeException>(() => WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential("swtpm:127.0.0.1:1"))))!;
        Assert.That(e.Code, Is.EqualTo(VolumeErrorCode.ProtectorNotFound));
        Assert.That(StatusOf(container).ProtectionSuspended, Is.False);
    }

    [Test]
    public void VolumeMadeBeforeSuspendExisted_OpensWithTpmAndPinThenSuspendsAndResumes()
    {
        string fixtures = Path.Combine(TestContext.CurrentContext.TestDirectory, "Tpm", "Fixtures");
        using var tpm = SwtpmInstance.StartFromState(fixtures);
        byte[] bytes;
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(fixtures, "tpm-v1-volume.bin.gz")), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gz.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        var container = new MemoryBlockDevice(bytes.Length / 512, 512);
        container.Write(0, bytes);
        var status = StatusOf(container);
        Assert.That(status.ProtectionSuspended, Is.False);
        var plain = status.Protectors.Single(p => p.Description == "tpm");
        var pinned = status.Protectors.Single(p => p.Description == "tpm+pin");
        Assert.That((plain.Pcrs, plain.RequiresPin, pinned.Pcrs, pinned.RequiresPin), Is.EqualTo((new[] { 7 }, false, new[] { 7, 11 }, true)));

        using (var unlocked = Unlock(container, new TpmCredential(tpm.DeviceSpec), plain.Id))
        {
            byte[] sector = new byte[4096];
            unlocked.Device.Read(0, sector);
            Assert.That(Encoding.ASCII.GetString(sector, 0, 26), Is.EqualTo("made before suspend/resume"));
            unlocked.Volume.Dispose();
        }
        byte[] oldPin = Encoding.UTF8.GetBytes("2468");
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, oldPin), pinned.Id);

        var suspended = WithPassphrase(container, u => u.SuspendTpmProtection(new TpmCredential(tpm.DeviceSpec, oldPin)));
        Assert.That(suspended, Is.EquivalentTo(new[] { plain.Id, pinned.Id }));
        Extend(tpm, 7);
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec), plain.Id);
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, oldPin), pinned.Id);
        WithPassphrase(container, u => u.ResumeTpmProtection(new TpmCredential(tpm.DeviceSpec, oldPin)));
        AssertOpensWithTpm(container, new TpmCredential(tpm.DeviceSpec, oldPin), pinned.Id);
        Extend(tpm, 7);
        Assert.Throws<VolumeException>(() => Unlock(container, new TpmCredential(tpm.DeviceSpec), plain.Id));
    }
}
