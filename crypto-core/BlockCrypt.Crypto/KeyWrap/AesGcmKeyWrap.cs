using System.Security.Cryptography;

namespace BlockCrypt.Crypto.KeyWrap;

/// <summary>
/// Authenticated key wrapping with AES-256-GCM (NIST SP 800-38D) from the BCL: the wrapped form is
/// <c>nonce (12) || ciphertext (same length as the key) || tag (16)</c>; the nonce is random per wrap (a wrapping key
/// wraps few keys, far below the 2^32 random-nonce limit of SP 800-38D §8.3). Associated data binds the wrapped key to
/// its context (volume id, protector id, format version ...), so a wrapped key moved elsewhere does not unwrap.
/// </summary>
public static class AesGcmKeyWrap
{
    /// <summary>Wrapping key size: AES-256.</summary>
    public const int KeySize = 32;

    /// <summary>GCM nonce size (SP 800-38D §8.2.2, random construction).</summary>
    public const int NonceSize = 12;

    /// <summary>GCM tag size (full 128 bits).</summary>
    public const int TagSize = 16;

    /// <summary>Bytes added by wrapping.</summary>
    public const int Overhead = NonceSize + TagSize;

    /// <summary>Length of the wrapped form of a <paramref name="keyLength"/>-byte key.</summary>
    public static int WrappedLength(int keyLength) => keyLength + Overhead;

    /// <summary>Wraps <paramref name="key"/> under <paramref name="kek"/>; <paramref name="wrapped"/> must be exactly <see cref="WrappedLength"/> bytes.</summary>
    public static void Wrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> key, ReadOnlySpan<byte> associatedData, Span<byte> wrapped)
    {
        CheckKek(kek);
        if (wrapped.Length != WrappedLength(key.Length))
            throw new ArgumentException($"The wrapped key needs {WrappedLength(key.Length)} bytes.", nameof(wrapped));
        Span<byte> nonce = wrapped[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(kek, TagSize);
        gcm.Encrypt(nonce, key, wrapped.Slice(NonceSize, key.Length), wrapped[(NonceSize + key.Length)..], associatedData);
    }

    /// <summary>
    /// Unwraps into <paramref name="key"/> (exactly <c>wrapped.Length - Overhead</c> bytes). Returns false when the
    /// key-encryption key is wrong or anything was altered; <paramref name="key"/> is then zeroed.
    /// </summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData, Span<byte> key)
    {
        CheckKek(kek);
        if (wrapped.Length < Overhead || key.Length != wrapped.Length - Overhead) return false;
        using var gcm = new AesGcm(kek, TagSize);
        try
        {
            gcm.Decrypt(wrapped[..NonceSize], wrapped.Slice(NonceSize, key.Length), wrapped[(NonceSize + key.Length)..], key, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // The BCL already clears the output on a tag mismatch; clear again so the contract does not depend on it.
            CryptographicOperations.ZeroMemory(key);
            return false;
        }
    }

    private static void CheckKek(ReadOnlySpan<byte> kek)
    {
        if (kek.Length != KeySize) throw new ArgumentException($"A key-encryption key is {KeySize} bytes.", nameof(kek));
    }
}
