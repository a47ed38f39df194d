using System.Security.Cryptography;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume.CustomerKey;

public sealed partial class Pkcs11ProtectorHandler
{
    /// <summary>
    /// Customer-key rotation: re-wraps protector <paramref name="protectorId"/> under the HSM key
    /// <paramref name="newKeyLabel"/> (on the credential's token, or the recorded one). The old key must still unwrap the
    /// protector (checked against the VMK wrap) so a rotation is always made by someone holding the current key; a fresh
    /// KEK is wrapped by the new key, checked by a round trip in the HSM, and the VMK re-wrapped under it in one metadata
    /// commit (<see cref="UnlockedVolume.ReplaceProtector"/>). Afterwards the old HSM key is no longer needed.
    /// </summary>
    /// <exception cref="VolumeException">ProtectorNotFound, InvalidArgument (not a pkcs11 protector, same key), ProtectorFailure.</exception>
    public static void Rewrap(UnlockedVolume volume, Guid protectorId, Pkcs11Credential credential, string newKeyLabel, byte[]? newKeyId = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentException.ThrowIfNullOrEmpty(newKeyLabel);
        ProtectorRecord record = volume.Volume.Metadata.Protectors.Find(p => p.Id == protectorId)
            ?? throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No protector {protectorId} on this volume.");
        if (record.Kind != ProtectorKind.Pkcs11)
        {
            throw new VolumeException(VolumeErrorCode.InvalidArgument, $"Protector {protectorId} is not a pkcs11 protector.");
        }

        Pkcs11ProtectorParameters old = ParseOrThrow(record);
        byte[] aad = Aad(volume.Volume.Id, record.Id);
        Span<byte> oldKek = stackalloc byte[CustomerKeyBlob.MaxSecretLength];
        Span<byte> vmk = stackalloc byte[32];
        Span<byte> newKek = stackalloc byte[KekLength];
        try
        {
            using Pkcs11Token token = credential.Open(credential.TokenLabel ?? old.Identity.TokenLabel);
            int length = credential.Decorate(token.GetKey(old.Identity)).Unwrap(old.WrappedKek, aad, oldKek);
            if (length != KekLength || !AesGcmKeyWrap.TryUnwrap(oldKek[..KekLength], record.WrappedVmk, volume.Volume.VmkAad(record), vmk))
            {
                throw new VolumeException(VolumeErrorCode.WrongCredential,
                    $"The current HSM key of protector {protectorId} does not open it; rotation refused.");
            }

            ICustomerKeyWrapper newKey = credential.Decorate(token.FindKey(newKeyLabel, newKeyId));
            if (newKey.Identity.TokenLabel == old.Identity.TokenLabel && newKey.Identity.KeyLabel == old.Identity.KeyLabel
                && newKey.Identity.KeyId.AsSpan().SequenceEqual(old.Identity.KeyId))
            {
                throw new VolumeException(VolumeErrorCode.InvalidArgument, "The new HSM key is the key the protector already uses.");
            }

            RandomNumberGenerator.Fill(newKek);
            byte[] blob = WrapChecked(newKey, newKek, aad);
            volume.ReplaceProtector(protectorId, new Pkcs11ProtectorParameters(newKey.Identity, blob).Serialize(), newKek);
        }
        catch (CustomerKeyException e)
        {
            throw Failure(protectorId, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(oldKek);
            CryptographicOperations.ZeroMemory(vmk);
            CryptographicOperations.ZeroMemory(newKek);
        }
    }

    /// <summary>
    /// For <c>status</c>: whether pkcs11 protector <paramref name="protectorId"/> can still reach its key with
    /// <paramref name="credential"/> (module, PIN). Opens the token, finds the key and has the HSM unwrap the stored blob
    /// (the KEK is zeroed at once; the VMK is not touched). Returns null when it can, otherwise the failure (reason and a
    /// one-line message). Never throws for HSM failures.
    /// </summary>
    public static CustomerKeyException? CheckReachable(Volume volume, Guid protectorId, Pkcs11Credential credential)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ProtectorRecord record = volume.Metadata.Protectors.Find(p => p.Id == protectorId && p.Kind == ProtectorKind.Pkcs11)
            ?? throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No pkcs11 protector {protectorId} on this volume.");
        return CheckReachable(volume.Id, record, credential);
    }

    /// <summary>The same as <see cref="CheckReachable(Volume, Guid, Pkcs11Credential)"/> for a record.</summary>
    internal static CustomerKeyException? CheckReachable(Guid volumeId, ProtectorRecord record, Pkcs11Credential credential)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(credential);
        Span<byte> kek = stackalloc byte[CustomerKeyBlob.MaxSecretLength];
        try
        {
            Pkcs11ProtectorParameters parameters = Pkcs11ProtectorParameters.Parse(record.Parameters);
            UnwrapKek(credential, parameters, Aad(volumeId, record.Id), kek);
            return null;
        }
        catch (CustomerKeyException e)
        {
            return e;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }
}
