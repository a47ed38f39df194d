using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;
using BlockCrypt.Tpm.Transport;

namespace BlockCrypt.Tpm.Sealing;

/// <summary>
/// Seals a small secret to the TPM under a PCR policy (optionally with a PIN) and unseals it, with every secret on
/// the wire encrypted by a session salted to the SRK. Each call opens its own connection, uses the SRK (persistent at
/// 0x81000001 when it matches the standard template, else created on demand and flushed), and flushes everything it
/// loaded before returning. Thread-safe as long as the transport factory returns independent connections.
/// </summary>
public sealed partial class TpmSealer
{
    private static ReadOnlySpan<byte> PinLabel => "BlockCrypt TPM PIN v1\0"u8;
    private readonly Func<ITpmTransport> _connect;

    /// <summary>Creates a sealer that opens a transport with <paramref name="connect"/> for each operation.</summary>
    public TpmSealer(Func<ITpmTransport> connect) => _connect = connect ?? throw new ArgumentNullException(nameof(connect));

    /// <summary>A sealer for a device specification (see <see cref="TpmTransportFactory"/>; null: BLOCKCRYPT_TPM or the platform default).</summary>
    public static TpmSealer ForDevice(string? deviceSpec) => new(() => TpmTransportFactory.Open(deviceSpec));

    /// <summary>The maximum sealed secret size (a keyed-hash object's data, Part 2 MAX_SYM_DATA).</summary>
    public const int MaxSecretSize = 128;

    /// <summary>
    /// Seals <paramref name="secret"/> (1..128 bytes) to the current values of <paramref name="pcrs"/>; a non-empty
    /// <paramref name="pin"/> adds PolicyAuthValue and makes the object subject to dictionary-attack lockout.
    /// The secret and the PIN cross the wire only inside TPM2_Create's encrypted first parameter.
    /// <see cref="PcrSelection.None"/> seals to no PCR (see <see cref="TpmPolicy.SealingPolicy"/>).
    /// </summary>
    public TpmSealedObject Seal(ReadOnlySpan<byte> secret, PcrSelection pcrs, ReadOnlySpan<byte> pin)
    {
        ArgumentNullException.ThrowIfNull(pcrs);
        if (secret.IsEmpty || secret.Length > MaxSecretSize)
            throw new ArgumentException($"the secret must have 1..{MaxSecretSize} bytes", nameof(secret));
        if (pcrs.HashAlg != TpmAlg.Sha256)
            throw new ArgumentException("seal to PCRs of the sha256 bank", nameof(pcrs));
        bool hasPin = !pin.IsEmpty;
        byte[] authValue = hasPin ? PinToAuthValue(pin) : [];
        byte[] secretCopy = secret.ToArray();
        try
        {
            return WithClient(client =>
            {
                var srk = GetStorageRootKey(client);
                try
                {
                    IReadOnlyDictionary<int, byte[]> values = pcrs.IsEmpty ? new Dictionary<int, byte[]>() : client.PcrRead(pcrs);
                    byte[] policy = TpmPolicy.SealingPolicy(pcrs, values, hasPin);
                    var template = TpmPublic.SealedDataTemplate(policy, dictionaryAttackProtected: hasPin);
                    using var session = client.StartAuthSession(TpmSessionType.Hmac, srk);
                    try
                    {
                        var created = client.Create(srk, TpmAuth.With(session, [], TpmaSession.Decrypt), template, authValue, secretCopy);
                        return new TpmSealedObject(created.Private, created.Public, pcrs, values, policy, srk.Name, hasPin);
                    }
                    finally
                    {
                        client.TryFlush(session.Handle);
                    }
                }
                finally
                {
                    if (srk.IsTransient) client.TryFlush(srk.Handle);
                }
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretCopy);
            CryptographicOperations.ZeroMemory(authValue);
        }
    }

    /// <summary>
    /// Unseals into <paramref name="destination"/> and returns the length. Checks first that the TPM's SRK is the one
    /// recorded at sealing, then salts the policy session to that SRK and asks for the response encrypted. Failures are
    /// <see cref="TpmUnsealException"/> with a <see cref="TpmFailure"/> code.
    /// </summary>
    public int Unseal(TpmSealedObject sealedObject, ReadOnlySpan<byte> pin, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(sealedObject);
        if (sealedObject.HasPin && pin.IsEmpty)
            throw new TpmUnsealException(TpmFailure.PinRequired, "this TPM protector needs its PIN (give it with --pin-stdin)");
        byte[] authValue = sealedObject.HasPin ? PinToAuthValue(pin) : [];
        byte[] result = new byte[MaxSecretSize];
        try
        {
            int n = WithClient(client => UnsealCore(client, sealedObject, authValue, result));
            if (n > destination.Length) throw new ArgumentException("destination too small", nameof(destination));
            result.AsSpan(0, n).CopyTo(destination);
            return n;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(authValue);
            CryptographicOperations.ZeroMemory(result);
        }
    }

    /// <summary>Unseals into a new array (the caller zeroes it).</summary>
    public byte[] Unseal(TpmSealedObject sealedObject, ReadOnlySpan<byte> pin)
    {
        Span<byte> buffer = stackalloc byte[MaxSecretSize];
        try
        {
            int n = Unseal(sealedObject, pin, buffer);
            return buffer[..n].ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>The authValue given to the TPM for a PIN: SHA-256("BlockCrypt TPM PIN v1\0" || PIN) (fits any sha256 object).</summary>
    public static byte[] PinToAuthValue(ReadOnlySpan<byte> pin)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(PinLabel);
        h.AppendData(pin);
        return h.GetHashAndReset();
    }

    /// <summary>The SRK's Name on this TPM (as <see cref="TpmSealedObject.SrkName"/> would record it).</summary>
    public byte[] GetStorageRootKeyName() => WithClient(client =>
    {
        var srk = GetStorageRootKey(client);
        if (srk.IsTransient) client.TryFlush(srk.Handle);
        return srk.Name;
    });

    /// <summary>Current values of <paramref name="pcrs"/>.</summary>
    public IReadOnlyDictionary<int, byte[]> ReadPcrs(PcrSelection pcrs) => WithClient(c => c.PcrRead(pcrs));
}
