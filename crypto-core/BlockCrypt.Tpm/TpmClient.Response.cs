using System.Buffers.Binary;
using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;

namespace BlockCrypt.Tpm;

public sealed partial class TpmClient
{
    /// <summary>
    /// Parses a response (Part 1 §18.8/§18.9): header, handles, parameterSize and parameters when sessions were used,
    /// then one response session per command session, whose HMAC is verified before anything is decrypted.
    /// </summary>
    internal static TpmResponse ParseResponse(uint commandCode, ReadOnlySpan<byte> response, ReadOnlySpan<TpmAuth> auths,
        byte[][] hmacKeys, int cryptIndex, int responseHandleCount)
    {
        var r = new TpmReader(response);
        ushort tag = r.ReadUInt16("response tag");
        uint size = r.ReadUInt32("response size");
        uint rc = r.ReadUInt32("response code");
        if (tag != TpmSt.NoSessions && tag != TpmSt.Sessions)
            throw new TpmProtocolException($"malformed TPM response: tag 0x{tag:X4} is neither TPM_ST_NO_SESSIONS nor TPM_ST_SESSIONS");
        if (size != response.Length)
            throw new TpmProtocolException($"malformed TPM response: size field {size} but {response.Length} bytes received");
        if (rc != 0)
        {
            if (size != 10 || tag != TpmSt.NoSessions)
                throw new TpmProtocolException($"malformed TPM response: error 0x{rc:X3} with tag 0x{tag:X4} and size {size} (expected a 10-byte TPM_ST_NO_SESSIONS response)");
            throw new TpmException(rc, commandCode);
        }
        bool sessions = auths.Length > 0;
        if (tag != (sessions ? TpmSt.Sessions : TpmSt.NoSessions))
            throw new TpmProtocolException($"malformed TPM response: tag 0x{tag:X4} does not match the command's use of sessions");

        uint[] handles = new uint[responseHandleCount];
        for (int i = 0; i < handles.Length; i++) handles[i] = r.ReadUInt32("response handle");

        ReadOnlySpan<byte> param;
        if (sessions)
        {
            uint paramSize = r.ReadUInt32("parameterSize");
            if (paramSize > r.Remaining)
                throw new TpmProtocolException($"malformed TPM response: parameterSize {paramSize} exceeds the {r.Remaining} bytes left");
            param = r.ReadBytes((int)paramSize, "response parameters");
        }
        else
        {
            param = r.ReadBytes(r.Remaining, "response parameters");
        }

        Span<byte> rpHash = stackalloc byte[32];
        if (sessions) ComputeRpHash(commandCode, param, rpHash);
        for (int i = 0; i < auths.Length; i++)
        {
            var nonceTpm = r.ReadSized("response nonceTPM", 64);
            byte attributes = r.ReadByte("response sessionAttributes");
            var hmac = r.ReadSized("response hmac", 64);
            VerifyResponseSession(auths[i], hmacKeys[i], nonceTpm, attributes, hmac, rpHash, i + 1);
        }
        r.ExpectEnd("the response sessions");

        byte[] parameters = param.ToArray();
        if (cryptIndex >= 0 && (auths[cryptIndex].Attributes & TpmaSession.Encrypt) != 0)
        {
            var s = auths[cryptIndex].Session!;
            var data = FirstSizedParameter(parameters, "response");
            // §21.3: response encryption uses nonceTPM (newer) then nonceCaller (older).
            byte[] key = s.EncryptionKey(auths[cryptIndex].AuthValue);
            TpmKdf.CfbInPlace(key, s.NonceTpm, s.NonceCaller, data, encrypt: false);
            CryptographicOperations.ZeroMemory(key);
        }
        return new TpmResponse(handles, parameters);
    }

    private static void ComputeRpHash(uint commandCode, ReadOnlySpan<byte> param, Span<byte> rpHash)
    {
        // Part 1 §18.9: rpHash = H(responseCode (0) || commandCode || parameters).
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, 0);
        BinaryPrimitives.WriteUInt32BigEndian(head[4..], commandCode);
        h.AppendData(head);
        h.AppendData(param);
        h.GetHashAndReset(rpHash);
    }

    private static void VerifyResponseSession(TpmAuth auth, byte[] hmacKey, ReadOnlySpan<byte> nonceTpm, byte attributes,
        ReadOnlySpan<byte> hmac, ReadOnlySpan<byte> rpHash, int number)
    {
        if (auth.Session is not { } s)
        {
            if (nonceTpm.Length != 0 || hmac.Length != 0)
                throw new TpmProtocolException($"malformed TPM response: password session {number} returned a nonce or HMAC");
            return;
        }
        if (nonceTpm.Length < 16)
            throw new TpmProtocolException($"malformed TPM response: session {number} nonceTPM has {nonceTpm.Length} bytes (at least 16 required)");
        s.NonceTpm = nonceTpm.ToArray();
        if (s.PasswordNeeded)
        {
            if (hmac.Length != 0)
                throw new TpmProtocolException($"malformed TPM response: policy-password session {number} returned an HMAC");
            return;
        }
        // §19.6.5: HMAC(sessionKey || authValue, rpHash || nonceTPM || nonceCaller || sessionAttributes).
        Span<byte> expected = stackalloc byte[32];
        SessionHmac(hmacKey, rpHash, s.NonceTpm, s.NonceCaller, attributes, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, hmac))
            throw new TpmProtocolException($"the response HMAC of session {number} does not verify: the response was altered or did not come from the TPM that holds the session");
    }
}
