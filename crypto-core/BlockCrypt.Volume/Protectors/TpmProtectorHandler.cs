using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Volume.Kdf;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// The <c>tpm</c> protector kind (issue 4): a random 32-byte key sealed to the TPM's SRK under PolicyPCR (plus
/// PolicyAuthValue with a PIN). The KEK is HKDF-SHA256(unsealed key || Argon2id(PIN)), salted with the volume and
/// protector ids, so a sealed object that leaks from the TPM still needs the PIN. Parameters (little-endian):
/// u8 version 1, u8 flags (bit 0: PIN, bit 1: suspended), u16 argon2 blob length, argon2 blob (docs/format.md §5.1
/// layout, empty without PIN), u16 sealed length, the <see cref="TpmSealedObject"/> bytes, and only when suspended a
/// u32 mask of the intended PCRs (docs/format.md §5.5). Credential: <see cref="TpmCredential"/>.
/// </summary>
public sealed partial class TpmProtectorHandler : IProtectorHandler
{
    private const byte Version = 1;
    private const byte FlagPin = 1;
    private const byte FlagSuspended = 2;
    private const int IntendedMaskLength = 4;
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
        return new ProtectorCreateResult { Parameters = SealNew(credential, credential.Pcrs, null, context.Kdf, context.VolumeId, context.ProtectorId, kek) };
    }

    /// <summary>
    /// Seals a fresh key to <paramref name="pcrs"/> and derives the KEK; returns the parameter blob. With
    /// <paramref name="intended"/> the protector is suspended: <paramref name="pcrs"/> must be <see cref="PcrSelection.None"/>.
    /// </summary>
    internal static byte[] SealNew(TpmCredential credential, PcrSelection pcrs, PcrSelection? intended, KdfOptions kdf, Guid volumeId, Guid protectorId, Span<byte> kek)
    {
        if (pcrs.IsEmpty != intended is not null)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, "A tpm protector is sealed to at least one PCR (no PCR only while suspended).");
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
                sealedObject = credential.Sealer().Seal(key, pcrs, credential.Pin);
            }
            catch (TpmUnsealException e)
            {
                throw Failure(null, e);
            }
            DeriveKek(key, hasPin ? pinKey : [], volumeId, protectorId, kek);
            return BuildParameters(hasPin, argon, sealedObject.ToBytes(), intended);
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
        var (hasPin, argon, salt, _, sealedObject, _) = Parse(record);
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
            var (hasPin, argon, _, _, sealedObject, intended) = Parse(record);
            string pcrs = intended is null ? $"PCRs {sealedObject.Pcrs}" : $"SUSPENDED: no PCR policy (resumes to PCRs {intended})";
            return pcrs + (hasPin ? $", PIN (Argon2id m={argon.MemoryKiB} KiB t={argon.Iterations} p={argon.Lanes})" : ", no PIN");
        }
        catch (VolumeException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Whether the stored protector requires a PIN, and the PCRs it binds (for reseal); for a suspended protector the
    /// PCRs it is meant to bind (so a reseal binds them again and ends the suspension).
    /// </summary>
    public static (bool HasPin, PcrSelection Pcrs) Inspect(UnlockedVolume volume, Guid id)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Inspect(Find(volume, id));
    }

    private static (bool HasPin, PcrSelection Pcrs) Inspect(ProtectorRecord record)
    {
        var (hasPin, _, _, _, sealedObject, intended) = Parse(record);
        return (hasPin, intended ?? sealedObject.Pcrs);
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
            byte[] parameters = SealNew(credential, credential.Pcrs, null, kdf, volume.Volume.Id, id, kek);
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

    private static Parsed Parse(ProtectorRecord record)
    {
        ReadOnlySpan<byte> p = record.Parameters;
        VolumeException Bad(string why) => new(VolumeErrorCode.MetadataDamaged, $"Protector {record.Id} has malformed tpm parameters: {why}.");
        if (p.Length < 6 || p[0] != Version || (p[1] & ~(FlagPin | FlagSuspended)) != 0) throw Bad("bad header");
        bool hasPin = (p[1] & FlagPin) != 0;
        bool suspended = (p[1] & FlagSuspended) != 0;
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
        int tail = suspended ? IntendedMaskLength : 0;
        if (6 + argonLength + sealedLength + tail != p.Length) throw Bad("length mismatch");
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
        // Suspended ⇔ sealed to no PCR: a PCR-less object without the flag (or the reverse) is refused.
        if (sealedObject.Pcrs.IsEmpty != suspended) throw Bad(suspended ? "suspended but sealed to PCRs" : "sealed to no PCR");
        PcrSelection? intended = null;
        if (suspended)
        {
            uint mask = BinaryPrimitives.ReadUInt32LittleEndian(p[^IntendedMaskLength..]);
            if (mask == 0 || mask >> (PcrSelection.MaxPcr + 1) != 0) throw Bad("bad intended PCR mask");
            intended = new PcrSelection(Enumerable.Range(0, PcrSelection.MaxPcr + 1).Where(i => (mask & (1u << i)) != 0));
        }
        return new Parsed(hasPin, argon, salt, p.Slice(4, argonLength).ToArray(), sealedObject, intended);
    }

    /// <summary>Lays out the parameters (docs/format.md §5.5); <paramref name="intended"/> non-null marks the protector suspended.</summary>
    private static byte[] BuildParameters(bool hasPin, ReadOnlySpan<byte> argon, ReadOnlySpan<byte> sealedBytes, PcrSelection? intended)
    {
        int tail = intended is null ? 0 : IntendedMaskLength;
        byte[] blob = new byte[6 + argon.Length + sealedBytes.Length + tail];
        blob[0] = Version;
        blob[1] = (byte)((hasPin ? FlagPin : 0) | (intended is null ? 0 : FlagSuspended));
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(2), (ushort)argon.Length);
        argon.CopyTo(blob.AsSpan(4));
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4 + argon.Length), (ushort)sealedBytes.Length);
        sealedBytes.CopyTo(blob.AsSpan(6 + argon.Length));
        if (intended is not null)
        {
            if (intended.HashAlg != BlockCrypt.Tpm.TpmAlg.Sha256 || intended.IsEmpty)
                throw new VolumeException(VolumeErrorCode.InvalidArgument, "A suspended tpm protector records at least one sha256 PCR to resume to.");
            uint mask = 0;
            foreach (int i in intended.Indices) mask |= 1u << i;
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(blob.Length - IntendedMaskLength), mask);
        }
        return blob;
    }

    /// <summary>The parsed parameters: PIN, its Argon2id cost and salt (and the raw blob), the sealed object, and the intended PCRs when suspended.</summary>
    private readonly record struct Parsed(bool HasPin, Argon2idParameters Argon, byte[] Salt, byte[] ArgonBlob, TpmSealedObject Sealed, PcrSelection? Intended);

    private static VolumeException Failure(Guid? id, TpmUnsealException e) =>
        new(VolumeErrorCode.ProtectorFailure, (id is { } g ? $"tpm protector {g}: " : "tpm: ") + e.Message, e);
}
