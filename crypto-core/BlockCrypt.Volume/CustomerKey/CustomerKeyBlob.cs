namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// Layout of a wrapped-secret blob. Byte 0 is the blob version (1), byte 1 the <see cref="CustomerKeyMechanism"/>; then
/// <list type="bullet">
/// <item>AES-GCM: 12-byte IV, the ciphertext (as long as the secret), 16-byte tag. The GCM associated data is the 2-byte
/// header followed by the caller's associated data.</item>
/// <item>RSA-OAEP-SHA256: the 384-byte OAEP ciphertext of <c>secret || SHA-256(header || associated data)</c>; the hash is
/// checked in constant time after decryption. This binds the context without an OAEP label (pSourceData), which many HSMs
/// do not accept.</item>
/// </list>
/// </summary>
public static class CustomerKeyBlob
{
    /// <summary>Blob format version.</summary>
    public const byte Version = 1;

    /// <summary>Header length (version + mechanism).</summary>
    public const int HeaderLength = 2;

    /// <summary>Largest secret that can be wrapped (covers a 32-byte VMK or a 64-byte XTS key).</summary>
    public const int MaxSecretLength = 64;

    /// <summary>GCM IV length in bytes (NIST SP 800-38D §8.2.2: a random 96-bit IV).</summary>
    public const int GcmIvLength = 12;

    /// <summary>GCM tag length in bytes (128 bits).</summary>
    public const int GcmTagLength = 16;

    /// <summary>RSA-3072 modulus (and ciphertext) length in bytes.</summary>
    public const int Rsa3072Length = 384;

    /// <summary>Reads and checks the header; returns the mechanism.</summary>
    public static CustomerKeyMechanism ReadHeader(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderLength || blob[0] != Version || !Enum.IsDefined((CustomerKeyMechanism)blob[1]))
        {
            throw new CustomerKeyException(CustomerKeyError.InvalidRecord, "customer-key blob has an unknown header");
        }

        return (CustomerKeyMechanism)blob[1];
    }

    internal static void CheckSecretLength(int length)
    {
        if (length is < 1 or > MaxSecretLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"a wrapped secret must be 1..{MaxSecretLength} bytes");
        }
    }
}
