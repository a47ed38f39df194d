namespace BlockCrypt.Volume.CustomerKey;

/// <summary>The kind of HSM key a customer-key protector uses. Values are stored on disk: never renumber.</summary>
public enum CustomerKeyType : byte
{
    /// <summary>An AES-256 secret key (CKK_AES, CKA_VALUE_LEN 32).</summary>
    Aes256 = 1,
    /// <summary>An RSA-3072 key pair (CKK_RSA, CKA_MODULUS_BITS 3072); the private key decrypts, the public key encrypts.</summary>
    Rsa3072 = 2,
}

/// <summary>The PKCS#11 mechanism a customer key is used with. Values are stored on disk: never renumber.</summary>
public enum CustomerKeyMechanism : byte
{
    /// <summary>
    /// CKM_AES_GCM through C_Encrypt/C_Decrypt (PKCS#11 v2.40 §2.10.4 / v3.0 "AES-GCM"): 96-bit IV chosen by the host and stored
    /// in the blob, 128-bit tag, associated data binding the caller's context (volume id, protector id).
    /// </summary>
    AesGcm = 1,
    /// <summary>CKM_RSA_PKCS_OAEP (PKCS#11 v2.40 §2.1.8) with CKM_SHA256 and CKG_MGF1_SHA256, empty label.</summary>
    RsaOaepSha256 = 2,
    /// <summary>
    /// CKM_RSA_PKCS_OAEP with CKM_SHA_1 / CKG_MGF1_SHA1, empty label: chosen only when the token refuses the SHA-256
    /// parameters (SoftHSM2 2.6 accepts nothing else). OAEP's security does not rest on the hash's collision resistance,
    /// and NIST SP 800-131A Rev. 2 still allows SHA-1 outside signatures, but SHA-256 is preferred wherever offered.
    /// </summary>
    RsaOaepSha1 = 3,
}

/// <summary>Protection attributes of an HSM key (null when the token does not reveal one).</summary>
/// <param name="Sensitive">CKA_SENSITIVE: the value can never be read in clear.</param>
/// <param name="Extractable">CKA_EXTRACTABLE: the key may be wrapped out of the token.</param>
/// <param name="NeverExtractable">CKA_NEVER_EXTRACTABLE: the key has never been extractable.</param>
/// <param name="Local">CKA_LOCAL: generated on the token.</param>
public sealed record CustomerKeyProtection(bool? Sensitive, bool? Extractable, bool? NeverExtractable, bool? Local);
