using System.Buffers.Binary;
using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;
using BlockCrypt.Tpm.Transport;

namespace BlockCrypt.Tpm;

/// <summary>
/// A small TPM 2.0 client: builds commands (Part 1 §18), computes and verifies session HMACs (§19.6), encrypts the
/// first command parameter and decrypts the first response parameter with AES-128-CFB (§21), and decodes response
/// codes into <see cref="TpmException"/>. Owns its transport. Not thread-safe: one command at a time.
/// </summary>
public sealed partial class TpmClient : IDisposable
{
    private const int MaxResponse = 8192;
    private const int NonceSize = 32;
    private const int MaxRetries = 10;
    private readonly ITpmTransport _transport;
    private readonly byte[] _response = new byte[MaxResponse];

    /// <summary>Wraps an open transport; the client disposes it.</summary>
    public TpmClient(ITpmTransport transport) => _transport = transport ?? throw new ArgumentNullException(nameof(transport));

    /// <summary>Opens the device named by <paramref name="deviceSpec"/> (see <see cref="TpmTransportFactory"/>).</summary>
    public static TpmClient Open(string? deviceSpec) => new(TpmTransportFactory.Open(deviceSpec));

    /// <summary>The transport's description.</summary>
    public string Device => _transport.Description;

    /// <summary>
    /// Executes one command. <paramref name="handles"/> are the command's handles, the first <c>auths.Length</c> of which
    /// need authorization; <paramref name="parameters"/> the marshalled parameter area. Returns the response handles and
    /// parameters; throws <see cref="TpmException"/> for a TPM error and <see cref="TpmProtocolException"/> for a
    /// malformed response or a response HMAC that does not verify.
    /// </summary>
    public TpmResponse Execute(uint commandCode, ReadOnlySpan<TpmEntity> handles, ReadOnlySpan<TpmAuth> auths,
        ReadOnlySpan<byte> parameters, int responseHandleCount = 0)
    {
        if (auths.Length > handles.Length)
            throw new ArgumentException("more authorizations than handles", nameof(auths));
        int cryptIndex = ValidateEncryption(auths);

        byte[] param = parameters.ToArray();
        var hmacKeys = new byte[auths.Length][];
        using var cmd = new TpmWriter(64 + param.Length + auths.Length * 80);
        try
        {
            for (int i = 0; i < auths.Length; i++)
            {
                if (auths[i].Session is { } s)
                {
                    s.NonceCaller = RandomNumberGenerator.GetBytes(NonceSize);
                    hmacKeys[i] = s.HmacKey(auths[i].AuthValue);
                }
                else hmacKeys[i] = [];
            }

            // §21.2: the first parameter, when a TPM2B, is encrypted with the decrypt session's key.
            if (cryptIndex >= 0 && (auths[cryptIndex].Attributes & TpmaSession.Decrypt) != 0)
            {
                var s = auths[cryptIndex].Session!;
                var data = FirstSizedParameter(param, "command");
                byte[] key = s.EncryptionKey(auths[cryptIndex].AuthValue);
                TpmKdf.CfbInPlace(key, s.NonceCaller, s.NonceTpm, data, encrypt: true);
                CryptographicOperations.ZeroMemory(key);
            }

            cmd.WriteUInt16(auths.Length > 0 ? TpmSt.Sessions : TpmSt.NoSessions);
            cmd.WriteUInt32(0);
            cmd.WriteUInt32(commandCode);
            foreach (var h in handles) cmd.WriteUInt32(h.Handle);
            if (auths.Length > 0)
            {
                Span<byte> cpHash = stackalloc byte[32];
                ComputeCpHash(commandCode, handles, param, cpHash);
                int sizeAt = cmd.Length;
                cmd.WriteUInt32(0);
                for (int i = 0; i < auths.Length; i++)
                    WriteCommandSession(cmd, auths[i], hmacKeys[i], cpHash);
                cmd.PatchUInt32(sizeAt, (uint)(cmd.Length - sizeAt - 4));
            }
            cmd.WriteBytes(param);
            cmd.PatchUInt32(2, (uint)cmd.Length);

            int length = TransmitWithRetry(cmd.WrittenSpan);
            return ParseResponse(commandCode, _response.AsSpan(0, length), auths, hmacKeys, cryptIndex, responseHandleCount);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(param);
            CryptographicOperations.ZeroMemory(_response);
            foreach (var k in hmacKeys) if (k is not null) CryptographicOperations.ZeroMemory(k);
        }
    }

    private static int ValidateEncryption(ReadOnlySpan<TpmAuth> auths)
    {
        int index = -1;
        for (int i = 0; i < auths.Length; i++)
        {
            if ((auths[i].Attributes & (TpmaSession.Decrypt | TpmaSession.Encrypt)) == 0) continue;
            // Only the first session may encrypt: that keeps nonceDecrypt/nonceEncrypt out of the HMAC (§19.6.5).
            if (i != 0 || index >= 0)
                throw new ArgumentException("only the first authorization session may encrypt parameters");
            index = i;
        }
        return index;
    }

    private static Span<byte> FirstSizedParameter(Span<byte> parameters, string where)
    {
        if (parameters.Length < 2)
            throw new TpmProtocolException($"parameter encryption requested but the {where} has no TPM2B first parameter");
        int size = BinaryPrimitives.ReadUInt16BigEndian(parameters);
        if (size > parameters.Length - 2)
            throw new TpmProtocolException($"malformed TPM data: first {where} parameter size {size} exceeds the parameter area");
        return parameters.Slice(2, size);
    }

    private static void ComputeCpHash(uint commandCode, ReadOnlySpan<TpmEntity> handles, ReadOnlySpan<byte> param, Span<byte> cpHash)
    {
        // Part 1 §18.7: cpHash = H(commandCode || Name1 || Name2 || ... || parameters).
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> cc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(cc, commandCode);
        h.AppendData(cc);
        foreach (var e in handles) h.AppendData(e.Name);
        h.AppendData(param);
        h.GetHashAndReset(cpHash);
    }

    private static void WriteCommandSession(TpmWriter cmd, TpmAuth auth, byte[] hmacKey, ReadOnlySpan<byte> cpHash)
    {
        if (auth.Session is not { } s)
        {
            // Password session (Part 1 §19.8.4): empty nonce, the password in the hmac field.
            cmd.WriteUInt32(TpmRh.PasswordSession);
            cmd.WriteSized([]);
            cmd.WriteByte((byte)auth.Attributes);
            cmd.WriteSized(TpmSession.TrimTrailingZeros(auth.AuthValue));
            return;
        }
        cmd.WriteUInt32(s.Handle);
        cmd.WriteSized(s.NonceCaller);
        cmd.WriteByte((byte)auth.Attributes);
        if (s.PasswordNeeded)
        {
            cmd.WriteSized(TpmSession.TrimTrailingZeros(auth.AuthValue));
            return;
        }
        // §19.6.5: HMAC(sessionKey || authValue, cpHash || nonceNewer || nonceOlder || sessionAttributes).
        Span<byte> hmac = stackalloc byte[32];
        SessionHmac(hmacKey, cpHash, s.NonceCaller, s.NonceTpm, (byte)auth.Attributes, hmac);
        cmd.WriteSized(hmac);
    }

    private static void SessionHmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> pHash, ReadOnlySpan<byte> nonceNewer,
        ReadOnlySpan<byte> nonceOlder, byte attributes, Span<byte> hmac)
    {
        using var h = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        h.AppendData(pHash);
        h.AppendData(nonceNewer);
        h.AppendData(nonceOlder);
        h.AppendData([attributes]);
        h.GetHashAndReset(hmac);
    }

    private int TransmitWithRetry(ReadOnlySpan<byte> command)
    {
        for (int attempt = 0; ; attempt++)
        {
            int n = _transport.Transmit(command, _response);
            if (n < 10 || attempt >= MaxRetries) return n;
            uint rc = BinaryPrimitives.ReadUInt32BigEndian(_response.AsSpan(6));
            // Part 3 §5.5 / Part 1 §39: RETRY, YIELDED and TESTING ask the caller to send the same command again.
            if (rc is not (TpmResponseCode.Retry or TpmResponseCode.Yielded or TpmResponseCode.Testing)) return n;
            Thread.Sleep(10 * (attempt + 1));
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _transport.Dispose();
}
