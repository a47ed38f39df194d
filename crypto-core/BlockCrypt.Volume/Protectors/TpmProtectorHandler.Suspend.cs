using System.Security.Cryptography;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Volume.Kdf;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// Suspending and resuming TPM protection around an intended change of measured state (BitLocker's Suspend-BitLocker,
/// without its clear key on disk): a suspended protector's key is sealed to no PCR (still to this TPM's SRK, still
/// behind the PIN when it has one) and its parameters record the PCRs to bind again on resume (docs/format.md §5.5).
/// </summary>
public sealed partial class TpmProtectorHandler
{
    /// <summary>What status shows of a tpm protector.</summary>
    /// <param name="HasPin">Unsealing needs the PIN.</param>
    /// <param name="Suspended">Sealed to no PCR until resumed.</param>
    /// <param name="Pcrs">The PCRs bound, or when suspended the PCRs it is meant to bind (resume binds them again).</param>
    public readonly record struct TpmProtectorState(bool HasPin, bool Suspended, PcrSelection Pcrs);

    /// <summary>The state of a stored tpm protector, or null when its parameters are malformed.</summary>
    public static TpmProtectorState? GetState(ProtectorRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Kind != ProtectorKind.Tpm) return null;
        try
        {
            var parsed = Parse(record);
            return new TpmProtectorState(parsed.HasPin, parsed.Intended is not null, parsed.Intended ?? parsed.Sealed.Pcrs);
        }
        catch (VolumeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Suspends every tpm protector of <paramref name="volume"/> that is not suspended yet (see
    /// <see cref="UnlockedVolume.SuspendTpmProtection"/>). Returns the ids changed.
    /// </summary>
    internal static IReadOnlyList<Guid> SetSuspended(UnlockedVolume volume, bool suspend, TpmCredential credential, KdfOptions kdf)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(kdf);
        var records = volume.Volume.Metadata.Protectors.Where(p => p.Kind == ProtectorKind.Tpm).ToList();
        if (records.Count == 0)
            throw new VolumeException(VolumeErrorCode.ProtectorNotFound, "This volume has no tpm protector.");
        var changed = new List<Guid>();
        Span<byte> kek = stackalloc byte[KeyLength];
        try
        {
            foreach (var record in records)
            {
                var parsed = Parse(record);
                if ((parsed.Intended is not null) == suspend) continue; // already in the asked state
                if (parsed.HasPin && credential.Pin.IsEmpty)
                    throw new VolumeException(VolumeErrorCode.SecretMissing,
                        $"tpm protector {record.Id} has a PIN: give it to {(suspend ? "suspend" : "resume")} (the PIN stays required while suspended).");
                byte[] parameters = Reprotect(volume.Volume.Id, record, parsed, suspend, credential, kdf, kek);
                volume.ReplaceProtector(record.Id, parameters, kek);
                changed.Add(record.Id);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
        return changed;
    }

    /// <summary>
    /// Unseals the protector's key K (the TPM checks the PIN and, before suspending, the PCRs), checks that the KEK
    /// derived from it opens the wrapped VMK, and seals the same K again: to no PCR when suspending, to the recorded
    /// PCRs at their current values when resuming. The KEK does not change. Returns the new parameters.
    /// </summary>
    private static byte[] Reprotect(Guid volumeId, ProtectorRecord record, Parsed parsed, bool suspend, TpmCredential credential, KdfOptions kdf, Span<byte> kek)
    {
        PcrSelection target = suspend ? PcrSelection.None : parsed.Intended!;
        PcrSelection? intended = suspend ? parsed.Sealed.Pcrs : null;
        ReadOnlySpan<byte> pin = parsed.HasPin ? credential.Pin : [];
        Span<byte> key = stackalloc byte[TpmSealer.MaxSecretSize];
        Span<byte> pinKey = stackalloc byte[KeyLength];
        Span<byte> vmk = stackalloc byte[KeyLength];
        try
        {
            int n;
            try
            {
                n = credential.Sealer().Unseal(parsed.Sealed, pin, key);
            }
            catch (TpmUnsealException e) when (suspend && e.Failure == TpmFailure.PcrMismatch)
            {
                // The measured state changed already (the volume was unlocked another way): seal a fresh key, as
                // reseal does. The TPM cannot check the PIN then; the one given becomes the protector's PIN. A
                // protector without a PIN stays without one even when a PIN was given (for another protector).
                using var same = new TpmCredential(credential.DeviceSpec, pin) { Connect = credential.Connect };
                return SealNew(same, PcrSelection.None, intended, kdf, volumeId, record.Id, kek);
            }
            catch (TpmUnsealException e)
            {
                throw Failure(record.Id, e);
            }
            if (n != KeyLength)
                throw new VolumeException(VolumeErrorCode.MetadataDamaged, $"tpm protector {record.Id} unsealed a {n}-byte key (expected {KeyLength}).");
            if (parsed.HasPin) Argon2idKdf.Derive(pin, parsed.Salt, parsed.Argon, pinKey);
            DeriveKek(key[..KeyLength], parsed.HasPin ? pinKey : [], volumeId, record.Id, kek);
            if (!AesGcmKeyWrap.TryUnwrap(kek, record.WrappedVmk, Volume.VmkAad(volumeId, record), vmk))
                throw new VolumeException(VolumeErrorCode.WrongCredential, $"tpm protector {record.Id}: the unsealed key does not open the volume key.");
            TpmSealedObject sealedObject;
            try
            {
                sealedObject = credential.Sealer().Seal(key[..KeyLength], target, pin);
            }
            catch (TpmUnsealException e)
            {
                throw Failure(record.Id, e);
            }
            return BuildParameters(parsed.HasPin, parsed.ArgonBlob, sealedObject.ToBytes(), intended);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(pinKey);
            CryptographicOperations.ZeroMemory(vmk);
        }
    }
}
