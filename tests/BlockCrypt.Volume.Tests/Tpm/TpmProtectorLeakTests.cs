using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.TestSupport;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests.Tpm;

/// <summary>
/// The PIN is folded into the KEK: an attacker who extracts the unsealed key from the TPM (firmware-TPM glitching)
/// still cannot unwrap the VMK without the PIN; with the PIN the same computation does unwrap it (the control).
/// </summary>
[TestFixture]
[Category("Tpm")]
public sealed class TpmProtectorLeakTests
{
    [Test]
    public void LeakedUnsealedKey_WithoutPin_DoesNotUnwrapVmk()
    {
        using var tpm = SwtpmInstance.Start();
        byte[] pin = Encoding.UTF8.GetBytes("1357");
        var container = VolumeTestKit.NewContainer();
        var secrets = new UnlockCredentials();
        secrets.Set(new TpmCredential(tpm.DeviceSpec, pin));
        var (unlocked, results) = Volume.Create(container, new VolumeCreateOptions
        {
            Protectors = [VolumeTestKit.PassphraseRequest(), new ProtectorRequest { Kind = ProtectorKind.Tpm, Secrets = secrets, Kdf = KdfOptions.Minimal }],
        });
        Guid id = results[1].Id;
        foreach (var r in results) r.Dispose();
        var volume = unlocked.Volume;
        unlocked.Dispose();
        var record = volume.Metadata.Protectors.Single(p => p.Id == id);

        // Parameters: version, flags, u16 argon length, argon blob, u16 sealed length, sealed object.
        byte[] p = record.Parameters;
        int argonLength = BinaryPrimitives.ReadUInt16LittleEndian(p.AsSpan(2));
        Assert.That(Argon2idParameters.TryDecode(p.AsSpan(4, argonLength), out var argon, out var salt), Is.True);
        var sealedObject = TpmSealedObject.Parse(p.AsSpan(6 + argonLength));
        byte[] leaked = TpmSealer.ForDevice(tpm.DeviceSpec).Unseal(sealedObject, pin); // what a glitched TPM would give away

        byte[] hkdfSalt = [.. volume.Id.ToByteArray(), .. id.ToByteArray()];
        byte[] info = Encoding.ASCII.GetBytes("BlockCrypt v1 tpm KEK");
        byte[] aad = Volume.VmkAad(volume.Id, record);
        byte[] vmk = new byte[32];

        byte[] kekWithoutPin = HKDF.DeriveKey(HashAlgorithmName.SHA256, leaked, 32, hkdfSalt, info);
        Assert.That(AesGcmKeyWrap.TryUnwrap(kekWithoutPin, record.WrappedVmk, aad, vmk), Is.False);

        byte[] pinKey = new byte[32];
        Argon2idKdf.Derive(pin, salt, argon, pinKey);
        byte[] kekWithPin = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. leaked, .. pinKey], 32, hkdfSalt, info);
        Assert.That(AesGcmKeyWrap.TryUnwrap(kekWithPin, record.WrappedVmk, aad, vmk), Is.True);
        volume.Dispose();
    }
}
