using System.Security.Cryptography;
using System.Text;

namespace BlockCrypt.Crypto.KeyWrap;

/// <summary>HKDF-SHA256 (RFC 5869) helpers with domain-separating labels, and HMAC-SHA256 with constant-time checks.</summary>
public static class KeyDerivation
{
    /// <summary>
    /// HKDF-SHA256: <paramref name="output"/> = Expand(Extract(salt, ikm), info = label || context). Distinct labels give
    /// independent keys from one input key (RFC 5869 §3.2).
    /// </summary>
    public static void DeriveKey(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, string label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        int labelLength = Encoding.ASCII.GetByteCount(label);
        Span<byte> info = labelLength + context.Length <= 256 ? stackalloc byte[labelLength + context.Length] : new byte[labelLength + context.Length];
        Encoding.ASCII.GetBytes(label, info);
        context.CopyTo(info[labelLength..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, output, salt, info);
    }

    /// <summary>HMAC-SHA256 of <paramref name="data"/> into <paramref name="mac"/> (32 bytes).</summary>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac) => HMACSHA256.HashData(key, data, mac);

    /// <summary>Checks an HMAC-SHA256 in constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>).</summary>
    public static bool VerifyMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, data, mac);
        return expected.Length == 32 && CryptographicOperations.FixedTimeEquals(mac, expected);
    }
}
