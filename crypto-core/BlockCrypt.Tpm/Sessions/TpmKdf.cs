using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace BlockCrypt.Tpm.Sessions;

/// <summary>The TPM's key derivation functions with SHA-256 (TPM 2.0 Part 1 §11.4.10) and AES-CFB parameter encryption.</summary>
public static class TpmKdf
{
    private const int DigestSize = 32;

    /// <summary>
    /// KDFa (Part 1 §11.4.10.2, SP 800-108 counter mode with HMAC-SHA256):
    /// K_i = HMAC(key, [i]32 || Label || 0x00 || contextU || contextV || [bits]32), concatenated and truncated to
    /// <paramref name="output"/>.Length bytes.
    /// </summary>
    public static void KdfA(ReadOnlySpan<byte> key, string label, ReadOnlySpan<byte> contextU, ReadOnlySpan<byte> contextV, Span<byte> output)
    {
        int labelLen = Encoding.ASCII.GetByteCount(label);
        byte[] message = new byte[4 + labelLen + 1 + contextU.Length + contextV.Length + 4];
        Span<byte> block = stackalloc byte[DigestSize];
        try
        {
            Encoding.ASCII.GetBytes(label, message.AsSpan(4));
            contextU.CopyTo(message.AsSpan(4 + labelLen + 1));
            contextV.CopyTo(message.AsSpan(4 + labelLen + 1 + contextU.Length));
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(message.Length - 4), (uint)output.Length * 8);
            for (uint i = 1, done = 0; done < output.Length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(message, i);
                HMACSHA256.HashData(key, message, block);
                int n = Math.Min(DigestSize, output.Length - (int)done);
                block[..n].CopyTo(output[(int)done..]);
                done += (uint)n;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(message);
        }
    }

    /// <summary>
    /// KDFe (Part 1 §11.4.10.3, SP 800-56A concatenation KDF with SHA-256):
    /// K_i = H([i]32 || Z || Label || 0x00 || partyUInfo || partyVInfo).
    /// </summary>
    public static void KdfE(ReadOnlySpan<byte> z, string label, ReadOnlySpan<byte> partyU, ReadOnlySpan<byte> partyV, Span<byte> output)
    {
        int labelLen = Encoding.ASCII.GetByteCount(label);
        byte[] message = new byte[4 + z.Length + labelLen + 1 + partyU.Length + partyV.Length];
        Span<byte> block = stackalloc byte[DigestSize];
        try
        {
            z.CopyTo(message.AsSpan(4));
            Encoding.ASCII.GetBytes(label, message.AsSpan(4 + z.Length));
            partyU.CopyTo(message.AsSpan(4 + z.Length + labelLen + 1));
            partyV.CopyTo(message.AsSpan(4 + z.Length + labelLen + 1 + partyU.Length));
            for (uint i = 1, done = 0; done < output.Length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(message, i);
                SHA256.HashData(message, block);
                int n = Math.Min(DigestSize, output.Length - (int)done);
                block[..n].CopyTo(output[(int)done..]);
                done += (uint)n;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(message);
        }
    }

    /// <summary>
    /// AES-128-CFB (full-block feedback) in place over the first parameter of a command or response (Part 1 §21.4):
    /// key and IV = KDFa(sessionKey || authValue, "CFB", nonceNewer, nonceOlder, 128 + 128 bits).
    /// A partial final block is handled by zero-padding and truncating, which CFB allows.
    /// </summary>
    public static void CfbInPlace(ReadOnlySpan<byte> hmacKey, ReadOnlySpan<byte> nonceNewer, ReadOnlySpan<byte> nonceOlder, Span<byte> data, bool encrypt)
    {
        if (data.IsEmpty) return;
        Span<byte> keyIv = stackalloc byte[32];
        byte[] padded = new byte[(data.Length + 15) & ~15];
        byte[] key = new byte[16];
        try
        {
            KdfA(hmacKey, "CFB", nonceNewer, nonceOlder, keyIv);
            keyIv[..16].CopyTo(key);
            data.CopyTo(padded);
            using var aes = Aes.Create();
            aes.Key = key;
            byte[] result = encrypt
                ? aes.EncryptCfb(padded, keyIv[16..], PaddingMode.None, 128)
                : aes.DecryptCfb(padded, keyIv[16..], PaddingMode.None, 128);
            result.AsSpan(0, data.Length).CopyTo(data);
            CryptographicOperations.ZeroMemory(result);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyIv);
            CryptographicOperations.ZeroMemory(padded);
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
