using System.Buffers.Binary;
using System.Text;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// The module-independent identity of an HSM key: what a customer-key protector stores instead of the key. It names the
/// token (CK_TOKEN_INFO.label), the key (CKA_LABEL and CKA_ID), its type and the mechanism used with it. The module path is
/// only a hint: the module to load is always given at unlock time, so the same record works with another vendor's module
/// or path for the same token.
/// </summary>
/// <param name="TokenLabel">The token label (at most 32 bytes of UTF-8, PKCS#11 v2.40 §3.2 CK_TOKEN_INFO).</param>
/// <param name="KeyLabel">The key's CKA_LABEL.</param>
/// <param name="KeyId">The key's CKA_ID (may be empty when the key has none; then the label alone identifies it).</param>
/// <param name="KeyType">AES-256 or RSA-3072.</param>
/// <param name="Mechanism">The mechanism used to wrap with this key.</param>
/// <param name="ModulePathHint">The module path used when the protector was created, for display only; may be empty.</param>
public sealed record CustomerKeyIdentity(
    string TokenLabel,
    string KeyLabel,
    byte[] KeyId,
    CustomerKeyType KeyType,
    CustomerKeyMechanism Mechanism,
    string ModulePathHint)
{
    /// <summary>Serialization format version written by <see cref="Serialize"/>.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Largest accepted token label in bytes (CK_TOKEN_INFO.label is 32 bytes).</summary>
    public const int MaxTokenLabelBytes = 32;

    /// <summary>Largest accepted key label in bytes.</summary>
    public const int MaxKeyLabelBytes = 256;

    /// <summary>Largest accepted CKA_ID in bytes.</summary>
    public const int MaxKeyIdBytes = 64;

    /// <summary>Largest accepted module path hint in bytes.</summary>
    public const int MaxModuleHintBytes = 1024;

    /// <summary>The CKA_ID as lowercase hex (empty string when there is none).</summary>
    public string KeyIdHex => Convert.ToHexStringLower(KeyId);

    /// <summary>True when <paramref name="mechanism"/> can be used with <paramref name="type"/>.</summary>
    public static bool IsValidPair(CustomerKeyType type, CustomerKeyMechanism mechanism) => type switch
    {
        CustomerKeyType.Aes256 => mechanism == CustomerKeyMechanism.AesGcm,
        CustomerKeyType.Rsa3072 => mechanism is CustomerKeyMechanism.RsaOaepSha256 or CustomerKeyMechanism.RsaOaepSha1,
        _ => false,
    };

    /// <summary>The preferred mechanism for a key type (AES-256 → AES-GCM, RSA-3072 → RSA-OAEP-SHA256).</summary>
    public static CustomerKeyMechanism DefaultMechanism(CustomerKeyType type) => type switch
    {
        CustomerKeyType.Aes256 => CustomerKeyMechanism.AesGcm,
        CustomerKeyType.Rsa3072 => CustomerKeyMechanism.RsaOaepSha256,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>
    /// Serializes the identity (little-endian): u8 version, u8 key type, u8 mechanism, u8 reserved (0), then four
    /// length-prefixed (u16) fields: token label (UTF-8), key label (UTF-8), CKA_ID, module path hint (UTF-8).
    /// </summary>
    public byte[] Serialize()
    {
        byte[] token = Encoding.UTF8.GetBytes(TokenLabel);
        byte[] key = Encoding.UTF8.GetBytes(KeyLabel);
        byte[] hint = Encoding.UTF8.GetBytes(ModulePathHint);
        Check(token.Length <= MaxTokenLabelBytes && token.Length > 0, "token label must be 1..32 bytes");
        Check(key.Length <= MaxKeyLabelBytes && key.Length > 0, "key label must be 1..256 bytes");
        Check(KeyId.Length <= MaxKeyIdBytes, "CKA_ID is longer than 64 bytes");
        Check(hint.Length <= MaxModuleHintBytes, "module path hint is longer than 1024 bytes");
        Check(IsValidPair(KeyType, Mechanism),
            "key type and mechanism do not match");

        byte[] output = new byte[4 + 8 + token.Length + key.Length + KeyId.Length + hint.Length];
        output[0] = FormatVersion;
        output[1] = (byte)KeyType;
        output[2] = (byte)Mechanism;
        int offset = 4;
        foreach (byte[] field in new[] { token, key, KeyId, hint })
        {
            BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(offset), (ushort)field.Length);
            field.CopyTo(output.AsSpan(offset + 2));
            offset += 2 + field.Length;
        }

        return output;
    }

    /// <summary>
    /// Parses a serialized identity with full bounds checks (the record is read before the volume is unlocked, so it is
    /// untrusted). Throws <see cref="CustomerKeyException"/> with <see cref="CustomerKeyError.InvalidRecord"/> when malformed.
    /// </summary>
    public static CustomerKeyIdentity Parse(ReadOnlySpan<byte> data)
    {
        Check(data.Length >= 4 + 8, "customer-key record is truncated");
        Check(data[0] == FormatVersion, "customer-key record has an unknown version");
        Check(data[3] == 0, "customer-key record has a non-zero reserved byte");
        var type = (CustomerKeyType)data[1];
        var mechanism = (CustomerKeyMechanism)data[2];
        Check(IsValidPair(type, mechanism),
            "customer-key record has an unknown key type or mechanism");

        int offset = 4;
        ReadOnlySpan<byte> token = ReadField(data, ref offset, MaxTokenLabelBytes);
        ReadOnlySpan<byte> key = ReadField(data, ref offset, MaxKeyLabelBytes);
        ReadOnlySpan<byte> id = ReadField(data, ref offset, MaxKeyIdBytes);
        ReadOnlySpan<byte> hint = ReadField(data, ref offset, MaxModuleHintBytes);
        Check(offset == data.Length, "customer-key record has trailing bytes");
        Check(token.Length > 0 && key.Length > 0, "customer-key record has an empty label");
        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            return new CustomerKeyIdentity(strict.GetString(token), strict.GetString(key), id.ToArray(), type, mechanism,
                strict.GetString(hint));
        }
        catch (DecoderFallbackException e)
        {
            throw new CustomerKeyException(CustomerKeyError.InvalidRecord, "customer-key record has invalid UTF-8", inner: e);
        }
    }

    /// <summary>A one-line description for status output (no secrets).</summary>
    public override string ToString() =>
        $"token '{TokenLabel}', key '{KeyLabel}' (id {(KeyId.Length == 0 ? "none" : KeyIdHex)}), {KeyType}, {Mechanism}";

    /// <inheritdoc />
    public bool Equals(CustomerKeyIdentity? other) =>
        other is not null && TokenLabel == other.TokenLabel && KeyLabel == other.KeyLabel && KeyId.AsSpan().SequenceEqual(other.KeyId)
        && KeyType == other.KeyType && Mechanism == other.Mechanism && ModulePathHint == other.ModulePathHint;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TokenLabel, KeyLabel, KeyType, Mechanism);

    private static ReadOnlySpan<byte> ReadField(ReadOnlySpan<byte> data, ref int offset, int max)
    {
        Check(data.Length - offset >= 2, "customer-key record is truncated");
        int length = BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);
        offset += 2;
        Check(length <= max && data.Length - offset >= length, "customer-key record has a field out of bounds");
        ReadOnlySpan<byte> field = data.Slice(offset, length);
        offset += length;
        return field;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new CustomerKeyException(CustomerKeyError.InvalidRecord, message);
        }
    }
}
