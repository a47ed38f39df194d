using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// An RSA-3072 key pair used with CKM_RSA_PKCS_OAEP (PKCS#11 v2.40 Current Mechanisms §2.1.8; RFC 8017 §7.1) with
/// hashAlg CKM_SHA256, mgf CKG_MGF1_SHA256 and an empty label (or SHA-1 for both when the token offers nothing else, see
/// <see cref="CustomerKeyMechanism.RsaOaepSha1"/>). The OAEP plaintext is <c>secret || SHA-256(header ||
/// context)</c> so the context is bound without relying on OAEP label support. Encryption uses the token's public-key
/// object; when the token keeps only the private half, the public key (CKA_MODULUS, CKA_PUBLIC_EXPONENT of the private
/// key object) is used in software, which is equivalent because encryption needs no secret. Decryption always happens in
/// the HSM.
/// </summary>
internal sealed class Pkcs11RsaOaepKey : ICustomerKeyWrapper
{
    private const int HashLength = 32;
    private readonly Pkcs11Token _token;
    private readonly IObjectHandle _privateKey;
    private readonly IObjectHandle? _publicKey;

    private Pkcs11RsaOaepKey(Pkcs11Token token, CustomerKeyIdentity identity, IObjectHandle privateKey, IObjectHandle? publicKey)
    {
        _token = token;
        Identity = identity;
        _privateKey = privateKey;
        _publicKey = publicKey;
    }

    /// <inheritdoc />
    public CustomerKeyIdentity Identity { get; }

    internal static Pkcs11RsaOaepKey Bind(Pkcs11Token token, CustomerKeyIdentity identity, IObjectHandle privateKey, IObjectHandle? publicKey)
    {
        if (!token.Supports(CKM.CKM_RSA_PKCS_OAEP))
        {
            throw new CustomerKeyException(CustomerKeyError.MechanismUnsupported,
                $"token '{token.TokenLabel}' does not offer CKM_RSA_PKCS_OAEP");
        }

        List<IObjectAttribute> values = token.Session.GetAttributeValue(privateKey, [CKA.CKA_MODULUS, CKA.CKA_DECRYPT]);
        if ((!values[0].CannotBeRead && values[0].GetValueAsByteArray().Length != CustomerKeyBlob.Rsa3072Length)
            || (!values[1].CannotBeRead && !values[1].GetValueAsBool()))
        {
            throw new CustomerKeyException(CustomerKeyError.MechanismUnsupported,
                $"key '{identity.KeyLabel}' is not an RSA-3072 private key allowed to decrypt");
        }

        return new Pkcs11RsaOaepKey(token, identity, privateKey, publicKey);
    }

    /// <summary>
    /// Picks the OAEP hash for a key: a 1-byte round trip with SHA-256 first; when the token rejects those parameters
    /// (CKR_ARGUMENTS_BAD / CKR_MECHANISM_PARAM_INVALID at C_EncryptInit or C_DecryptInit), SHA-1.
    /// </summary>
    internal static CustomerKeyMechanism ChooseMechanism(Pkcs11Token token, CustomerKeyIdentity identity, IObjectHandle privateKey, IObjectHandle? publicKey)
    {
        var probe = Bind(token, identity with { Mechanism = CustomerKeyMechanism.RsaOaepSha256 }, privateKey, publicKey);
        try
        {
            byte[] blob = probe.Wrap([0x5a], "probe"u8);
            Span<byte> output = stackalloc byte[CustomerKeyBlob.MaxSecretLength];
            probe.Unwrap(blob, "probe"u8, output);
            return CustomerKeyMechanism.RsaOaepSha256;
        }
        catch (CustomerKeyException e) when (e.ReturnValue is (ulong)CKR.CKR_ARGUMENTS_BAD or (ulong)CKR.CKR_MECHANISM_PARAM_INVALID)
        {
            return CustomerKeyMechanism.RsaOaepSha1;
        }
    }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> associatedData)
    {
        CustomerKeyBlob.CheckSecretLength(secret.Length);
        byte[] plain = GC.AllocateUninitializedArray<byte>(secret.Length + HashLength, pinned: true);
        try
        {
            secret.CopyTo(plain);
            ContextHash(associatedData, plain.AsSpan(secret.Length));
            byte[] ciphertext = _publicKey is not null ? EncryptInToken(plain) : EncryptInSoftware(plain);
            if (ciphertext.Length != CustomerKeyBlob.Rsa3072Length)
            {
                throw new CustomerKeyException(CustomerKeyError.DeviceError, "the RSA-OAEP result has the wrong length");
            }

            byte[] blob = new byte[CustomerKeyBlob.HeaderLength + ciphertext.Length];
            blob[0] = CustomerKeyBlob.Version;
            blob[1] = (byte)Identity.Mechanism;
            ciphertext.CopyTo(blob, CustomerKeyBlob.HeaderLength);
            return blob;
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"wrapping with key '{Identity.KeyLabel}'");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc />
    public int Unwrap(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> associatedData, Span<byte> secret)
    {
        if (CustomerKeyBlob.ReadHeader(blob) != Identity.Mechanism
            || blob.Length != CustomerKeyBlob.HeaderLength + CustomerKeyBlob.Rsa3072Length)
        {
            throw new CustomerKeyException(CustomerKeyError.InvalidRecord, "customer-key blob is not an RSA-OAEP blob of a valid size");
        }

        byte[]? plain = null;
        Span<byte> expected = stackalloc byte[HashLength];
        try
        {
            using (OaepParameters(out IMechanism mechanism))
            using (mechanism)
            {
                plain = _token.Session.Decrypt(mechanism, _privateKey, blob[CustomerKeyBlob.HeaderLength..].ToArray());
            }

            int length = plain.Length - HashLength;
            ContextHash(associatedData, expected);
            if (length is < 1 or > CustomerKeyBlob.MaxSecretLength
                || !CryptographicOperations.FixedTimeEquals(plain.AsSpan(length), expected))
            {
                throw new CustomerKeyException(CustomerKeyError.UnwrapFailed,
                    $"unwrapping with key '{Identity.KeyLabel}': the blob belongs to another volume or protector");
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(secret.Length, length, nameof(secret));
            plain.AsSpan(0, length).CopyTo(secret);
            return length;
        }
        catch (Pkcs11Exception e)
        {
            secret.Clear();
            throw Pkcs11Errors.Map(e, $"unwrapping with key '{Identity.KeyLabel}'", decrypting: true);
        }
        finally
        {
            // Not pinned by Pkcs11Interop: the GC may have moved it earlier; this clears the live copy.
            if (plain is not null)
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
    }

    private byte[] EncryptInToken(byte[] plain)
    {
        using (OaepParameters(out IMechanism mechanism))
        using (mechanism)
        {
            return _token.Session.Encrypt(mechanism, _publicKey!, plain);
        }
    }

    private byte[] EncryptInSoftware(byte[] plain)
    {
        List<IObjectAttribute> values = _token.Session.GetAttributeValue(_privateKey, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
        if (values[0].CannotBeRead || values[1].CannotBeRead)
        {
            throw new CustomerKeyException(CustomerKeyError.KeyMissing,
                $"key '{Identity.KeyLabel}' has no public-key object and its public part cannot be read");
        }

        using RSA rsa = RSA.Create(new RSAParameters
        {
            Modulus = values[0].GetValueAsByteArray(),
            Exponent = values[1].GetValueAsByteArray(),
        });
        return rsa.Encrypt(plain, Identity.Mechanism == CustomerKeyMechanism.RsaOaepSha1
            ? RSAEncryptionPadding.OaepSHA1
            : RSAEncryptionPadding.OaepSHA256);
    }

    /// <summary>CK_RSA_PKCS_OAEP_PARAMS{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, empty}; dispose both.</summary>
    private IDisposable OaepParameters(out IMechanism mechanism)
    {
        var factories = _token.Session.Factories;
        bool sha1 = Identity.Mechanism == CustomerKeyMechanism.RsaOaepSha1;
        var parameters = factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams(
            sha1 ? (ulong)CKM.CKM_SHA_1 : (ulong)CKM.CKM_SHA256, sha1 ? (ulong)CKG.CKG_MGF1_SHA1 : (ulong)CKG.CKG_MGF1_SHA256,
            (ulong)CKZ.CKZ_DATA_SPECIFIED, null);
        mechanism = factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP, parameters);
        return parameters;
    }

    /// <summary>SHA-256(blob header || context) into <paramref name="destination"/>.</summary>
    private void ContextHash(ReadOnlySpan<byte> context, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([CustomerKeyBlob.Version, (byte)Identity.Mechanism]);
        hash.AppendData(context);
        hash.GetHashAndReset(destination);
    }
}
