using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// An AES-256 secret key used with CKM_AES_GCM through C_Encrypt / C_Decrypt (PKCS#11 v2.40 Current Mechanisms §2.12.3,
/// CK_GCM_PARAMS): a random 96-bit IV generated here and stored in the blob (NIST SP 800-38D §8.2.2, at most a few
/// wraps per key so the random-IV bound is far away), a 128-bit tag, and associated data = blob header || caller's context.
/// </summary>
/// <remarks>
/// Why GCM through C_Encrypt rather than CKM_AES_KEY_WRAP_PAD (RFC 5649): SoftHSM2 2.6 implements the RFC 3394/5649
/// mechanisms only for C_WrapKey/C_UnwrapKey of key objects, so wrapping a host secret that way means importing it into
/// the HSM as a key object and, on unwrap, creating an extractable, non-sensitive object to read it back; several HSMs
/// forbid exactly that. AES-GCM encrypt/decrypt of a short buffer is supported by SoftHSM2, Thales Luna, Entrust nShield,
/// Utimaco, AWS CloudHSM and most others, and it authenticates the context. Caveat: HSMs in a strict FIPS mode may insist on
/// generating the IV themselves (returning it in the CK_GCM_PARAMS); this implementation supplies its own IV.
/// </remarks>
internal sealed class Pkcs11AesGcmKey : ICustomerKeyWrapper
{
    private readonly Pkcs11Token _token;
    private readonly IObjectHandle _key;

    private Pkcs11AesGcmKey(Pkcs11Token token, CustomerKeyIdentity identity, IObjectHandle key)
    {
        _token = token;
        Identity = identity;
        _key = key;
    }

    /// <inheritdoc />
    public CustomerKeyIdentity Identity { get; }

    internal static Pkcs11AesGcmKey Bind(Pkcs11Token token, CustomerKeyIdentity identity, IObjectHandle key)
    {
        if (!token.Supports(CKM.CKM_AES_GCM))
        {
            throw new CustomerKeyException(CustomerKeyError.MechanismUnsupported,
                $"token '{token.TokenLabel}' does not offer CKM_AES_GCM");
        }

        List<IObjectAttribute> values = token.Session.GetAttributeValue(key, [CKA.CKA_VALUE_LEN, CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT]);
        if ((!values[0].CannotBeRead && values[0].GetValueAsUlong() != 32)
            || (!values[1].CannotBeRead && !values[1].GetValueAsBool())
            || (!values[2].CannotBeRead && !values[2].GetValueAsBool()))
        {
            throw new CustomerKeyException(CustomerKeyError.MechanismUnsupported,
                $"key '{identity.KeyLabel}' is not an AES-256 key allowed to encrypt and decrypt");
        }

        return new Pkcs11AesGcmKey(token, identity, key);
    }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> associatedData)
    {
        CustomerKeyBlob.CheckSecretLength(secret.Length);
        const int Body = CustomerKeyBlob.HeaderLength + CustomerKeyBlob.GcmIvLength;
        byte[] blob = new byte[Body + secret.Length + CustomerKeyBlob.GcmTagLength];
        blob[0] = CustomerKeyBlob.Version;
        blob[1] = (byte)CustomerKeyMechanism.AesGcm;
        RandomNumberGenerator.Fill(blob.AsSpan(CustomerKeyBlob.HeaderLength, CustomerKeyBlob.GcmIvLength));
        byte[] plain = GC.AllocateUninitializedArray<byte>(secret.Length, pinned: true);
        byte[]? output = null;
        try
        {
            secret.CopyTo(plain);
            using IMechanism mechanism = CreateMechanism(blob, associatedData, out GcmParamsHolder holder);
            using (holder)
            {
                output = _token.Session.Encrypt(mechanism, _key, plain);
            }

            if (output.Length != blob.Length - Body)
            {
                throw new CustomerKeyException(CustomerKeyError.DeviceError, "the HSM returned an AES-GCM result of the wrong length");
            }

            output.CopyTo(blob, Body);
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
        const int Overhead = CustomerKeyBlob.HeaderLength + CustomerKeyBlob.GcmIvLength + CustomerKeyBlob.GcmTagLength;
        if (CustomerKeyBlob.ReadHeader(blob) != CustomerKeyMechanism.AesGcm
            || blob.Length - Overhead is < 1 or > CustomerKeyBlob.MaxSecretLength)
        {
            throw new CustomerKeyException(CustomerKeyError.InvalidRecord, "customer-key blob is not an AES-GCM blob of a valid size");
        }

        int length = blob.Length - Overhead;
        ArgumentOutOfRangeException.ThrowIfLessThan(secret.Length, length, nameof(secret));
        byte[] header = blob[..(CustomerKeyBlob.HeaderLength + CustomerKeyBlob.GcmIvLength)].ToArray();
        byte[] ciphertext = blob[header.Length..].ToArray();
        byte[]? plain = null;
        try
        {
            using IMechanism mechanism = CreateMechanism(header, associatedData, out GcmParamsHolder holder);
            using (holder)
            {
                plain = _token.Session.Decrypt(mechanism, _key, ciphertext);
            }

            if (plain.Length != length)
            {
                throw new CustomerKeyException(CustomerKeyError.UnwrapFailed, "the HSM returned a secret of the wrong length");
            }

            plain.CopyTo(secret);
            return length;
        }
        catch (Pkcs11Exception e)
        {
            secret.Clear();
            throw Pkcs11Errors.Map(e, $"unwrapping with key '{Identity.KeyLabel}'", decrypting: true);
        }
        finally
        {
            // The array Pkcs11Interop returned is not pinned, so the GC may have copied it earlier; this clears the live copy.
            if (plain is not null)
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
    }

    /// <summary>CK_GCM_PARAMS with the IV from <paramref name="headerAndIv"/> and AAD = header || context.</summary>
    private IMechanism CreateMechanism(ReadOnlySpan<byte> headerAndIv, ReadOnlySpan<byte> context, out GcmParamsHolder holder)
    {
        byte[] iv = headerAndIv.Slice(CustomerKeyBlob.HeaderLength, CustomerKeyBlob.GcmIvLength).ToArray();
        byte[] aad = new byte[CustomerKeyBlob.HeaderLength + context.Length];
        headerAndIv[..CustomerKeyBlob.HeaderLength].CopyTo(aad);
        context.CopyTo(aad.AsSpan(CustomerKeyBlob.HeaderLength));
        var parameters = _token.Session.Factories.MechanismParamsFactory.CreateCkGcmParams(
            iv, CustomerKeyBlob.GcmIvLength * 8UL, aad, CustomerKeyBlob.GcmTagLength * 8UL);
        holder = new GcmParamsHolder(parameters);
        return _token.Session.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
    }

    /// <summary>Disposes the unmanaged CK_GCM_PARAMS after the operation.</summary>
    private readonly struct GcmParamsHolder(IDisposable parameters) : IDisposable
    {
        public void Dispose() => parameters.Dispose();
    }
}
