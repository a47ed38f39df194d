using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Volume.Kdf;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// The <c>tpm</c> protector kind (issue 4): a random 32-byte key sealed to the TPM's SRK under PolicyPCR (plus
/// PolicyAuthValue with a PIN). The KEK is HKDF-SHA256(unsealed key || Argon2id(PIN)), salted with the volume and
/// protector ids, so a sealed object that leaks from the TPM still needs the PIN. Parameters (little-endian):
/// u8 version 1, u8 flags (bit 0: PIN), u16 argon2 blob length, argon2 blob (docs/format.md §5.1 layout, empty
/// without PIN), u16 sealed length, the <see cref="TpmSealedObject"/> bytes. Credential: <see cref="TpmCredential"/>.
/// </summary>
public sealed class TpmProtectorHandler : IProtectorHandler
{
    private const byte Version = 1;
    private const int KeyLength = 32;
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("BlockCrypt v1 tpm KEK");

    /// <inheritdoc/>
    public ProtectorKind Kind => ProtectorKind.Tpm;

    /// <inheritdoc/>
    public string Name => "tpm";

    /// <inheritdoc/>
    public int UnlockOrder => 5;

    /// <inheritdoc/>
    public bool HasCredential(UnlockCredentials credentials) => credentials.Get<TpmCredential>() is not null;

    /// <inheritdoc/>
    public ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek)
    {
        var credential = context.Secrets.Get<TpmCredential>()
            ?? throw new VolumeException(VolumeErrorCode.SecretMissing, "A tpm protector needs a TPM (--tpm-device or BLOCKCRYPT_TPM).");
        return new ProtectorCreateResult { Parameters = SealNew(credential, context.Kdf, context.VolumeId, context.ProtectorId, kek) };
    }

    /// <summary>Seals a fresh key to the credential's PCRs and derives the KEK; returns the parameter blob.</summary>
    internal static byte[] SealNew(TpmCredential credential, KdfOptions kdf, Guid volumeId, Guid protectorId, Span<byte> kek)
    {
        bool hasPin = !credential.Pin.IsEmpty;
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> pinKey = stackalloc byte[KeyLength];
        RandomNumberGenerator.Fill(key);
        try
        {
            byte[] argon = [];
            if (hasPin)
            {
                var parameters = kdf.Resolve();
                Span<byte> salt = stackalloc byte[Argon2idParameters.SaltLength];
                RandomNumberGenerator.Fill(salt);
                argon = parameters.Encode(salt);
                Argon2idKdf.Derive(credential.Pin, salt, parameters, pinKey);
            }
            TpmSealedObject sealedObject;
            try
            {
                sealedObject = credential.Sealer().Seal(key, credential.Pcrs, credential.Pin);
            }
            catch (TpmUnsealException e)
            {
                throw Failure(null, e);
            }
            DeriveKek(key, hasPin ? pinKey : [], volumeId, protectorId, kek);
            byte[] sealedBytes = sealedObject.ToBytes();
            byte[] blob = new byte[6 + argon.Length + sealedBytes.Length];
            blob[0] = Version;
            blob[1] = hasPin ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(2), (ushort)argon.Length);
            argon.CopyTo(blob, 4);
            BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4 + argon.Length), (ushort)sealedBytes.Length);
            sealedBytes.CopyTo(blob, 6 + argon.Length);
            return blob;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(pinKey);
        }
    }

    /// <inheritdoc/>
    public bool TryUnlock(ProtectorRecord record, ProtectorUnlockContext context, KekProbe probe)
    {
        var credential = context.Credentials.Get<TpmCredential>();
        if (credential is null) return false;
        var (hasPin, argon, salt, sealedObject) = Parse(record);
        if (hasPin && credential.Pin.IsEmpty)
            throw Failure(record.Id, new TpmUnsealException(TpmFailure.PinRequired, "this protector needs its PIN (give it with --pin-stdin)"));
        Span<byte> key = stackalloc byte[TpmSealer.MaxSecretSize];
        Span<byte> pinKey = stackalloc byte[KeyLength];
        Span<byte> kek = stackalloc byte[KeyLength];
        try
        {
            int n;
            try
            {
                n = credential.Sealer().Unseal(sealedObject, hasPin ? credential.Pin : [], key);
            }
            catch (TpmUnsealException e)
            {
                throw Failure(record.Id, e);
            }
            if (n != KeyLength)
                throw new VolumeException(VolumeErrorCode.MetadataDamaged, $"tpm protector {record.Id} unsealed a {n}-byte key (expected {KeyLength}).");
            if (hasPin) Argon2idKdf.Derive(credential.Pin, salt, argon, pinKey);
            DeriveKek(key[..KeyLength], hasPin ? pinKey : [], context.VolumeId, record.Id, kek);
            return probe(kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(pinKey);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <inheritdoc/>
    public string Describe(ProtectorRecord record)
    {
        try
        {
            var (hasPin, argon, _, sealedObject) = Parse(record);
            return $"PCRs {sealedObject.Pcrs}" + (hasPin ? $", PIN (Argon2id m={argon.MemoryKiB} KiB t={argon.Iterations} p={argon.Lanes})" : ", no PIN");
        }
        catch (VolumeException e)
        {
            return e.Message;
        }
    }

    /// <summary>Whether the stored protector requires a PIN, and the PCRs it binds (for reseal).</summary>
    public static (bool HasPin, BlockCrypt.Tpm.Marshalling.PcrSelection Pcrs) Inspect(UnlockedVolume volume, Guid id)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Inspect(Find(volume, id));
    }

    private static (bool HasPin, BlockCrypt.Tpm.Marshalling.PcrSelection Pcrs) Inspect(ProtectorRecord record)
    {
        var (hasPin, _, _, sealedObject) = Parse(record);
        return (hasPin, sealedObject.Pcrs);
    }

    private static ProtectorRecord Find(UnlockedVolume volume, Guid id)
    {
        var record = volume.Volume.Metadata.Protectors.FirstOrDefault(p => p.Id == id)
            ?? throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No protector {id} on this volume.");
        if (record.Kind != ProtectorKind.Tpm)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, $"Protector {id} is not a tpm protector.");
        return record;
    }

    /// <summary>
    /// Re-seals protector <paramref name="id"/> of an unlocked volume to the current PCR values (after an intended
    /// change such as a firmware update): a new key is sealed and the VMK re-wrapped; id and description stay.
    /// A PIN protector needs its PIN in <paramref name="credential"/>.
    /// </summary>
    public static void Reseal(UnlockedVolume volume, Guid id, TpmCredential credential, KdfOptions kdf)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(credential);
        var (hasPin, _) = Inspect(Find(volume, id));
        if (hasPin && credential.Pin.IsEmpty)
            throw new VolumeException(VolumeErrorCode.SecretMissing, $"tpm protector {id} has a PIN: give it with --pin-stdin to reseal.");
        Span<byte> kek = stackalloc byte[KeyLength];
        try
        {
            byte[] parameters = SealNew(credential, kdf, volume.Volume.Id, id, kek);
            volume.ReplaceProtector(id, parameters, kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private static void DeriveKek(ReadOnlySpan<byte> key, ReadOnlySpan<byte> pinKey, Guid volumeId, Guid protectorId, Span<byte> kek)
    {
        Span<byte> ikm = stackalloc byte[KeyLength * 2];
        Span<byte> salt = stackalloc byte[32];
        try
        {
            key.CopyTo(ikm);
            pinKey.CopyTo(ikm[KeyLength..]);
            volumeId.TryWriteBytes(salt);
            protectorId.TryWriteBytes(salt[16..]);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm[..(KeyLength + pinKey.Length)], kek[..KeyLength], salt, Info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
        }
    }

    private static (bool HasPin, Argon2idParameters Argon, byte[] Salt, TpmSealedObject Sealed) Parse(ProtectorRecord record)
    {
        ReadOnlySpan<byte> p = record.Parameters;
        VolumeException Bad(string why) => new(VolumeErrorCode.MetadataDamaged, $"Protector {record.Id} has malformed tpm parameters: {why}.");
        if (p.Length < 6 || p[0] != Version || p[1] > 1) throw Bad("bad header");
        bool hasPin = p[1] == 1;
        int argonLength = BinaryPrimitives.ReadUInt16LittleEndian(p[2..]);
        if (4 + argonLength + 2 > p.Length) throw Bad("truncated");
        Argon2idParameters argon = default;
        byte[] salt = [];
        if (hasPin)
        {
            if (!Argon2idParameters.TryDecode(p.Slice(4, argonLength), out argon, out var s)) throw Bad("bad Argon2id parameters");
            if (argon.CheckBounds() is string problem)
                throw new VolumeException(VolumeErrorCode.KdfBelowFloor, $"Protector {record.Id}: {problem}.");
            salt = s.ToArray();
        }
        else if (argonLength != 0) throw Bad("KDF parameters without a PIN");
        int sealedLength = BinaryPrimitives.ReadUInt16LittleEndian(p[(4 + argonLength)..]);
        if (6 + argonLength + sealedLength != p.Length) throw Bad("length mismatch");
        TpmSealedObject sealedObject;
        try
        {
            sealedObject = TpmSealedObject.Parse(p.Slice(6 + argonLength, sealedLength));
        }
        catch (TpmUnsealException e)
        {
            throw new VolumeException(VolumeErrorCode.MetadataDamaged, $"Protector {record.Id}: {e.Message}", e);
        }
        if (sealedObject.HasPin != hasPin) throw Bad("PIN flag mismatch");
        return (hasPin, argon, salt, sealedObject);
    }

    private static VolumeException Failure(Guid? id, TpmUnsealException e) =>
        new(VolumeErrorCode.ProtectorFailure, (id is { } g ? $"tpm protector {g}: " : "tpm: ") + e.Message, e);
}
