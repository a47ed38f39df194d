using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace BlockCrypt.Volume.CustomerKey;

public sealed partial class Pkcs11Token
{
    /// <summary>
    /// The wrapper for the key a protector record names (label, CKA_ID when recorded, type, mechanism). Checks that the
    /// token lists the mechanism (C_GetMechanismList) and that the key has the recorded size.
    /// </summary>
    /// <exception cref="CustomerKeyException">KeyMissing, KeyAmbiguous, MechanismUnsupported or DeviceError.</exception>
    public ICustomerKeyWrapper GetKey(CustomerKeyIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        try
        {
            return identity.KeyType switch
            {
                CustomerKeyType.Aes256 => Pkcs11AesGcmKey.Bind(this, identity,
                    FindOne(CKO.CKO_SECRET_KEY, CKK.CKK_AES, identity.KeyLabel, identity.KeyId)
                        ?? throw KeyMissing(identity.KeyLabel)),
                CustomerKeyType.Rsa3072 => Pkcs11RsaOaepKey.Bind(this, identity,
                    FindOne(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA, identity.KeyLabel, identity.KeyId) ?? throw KeyMissing(identity.KeyLabel),
                    FindOne(CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, identity.KeyLabel, identity.KeyId)),
                _ => throw new CustomerKeyException(CustomerKeyError.InvalidRecord, "unknown customer key type"),
            };
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"key '{identity.KeyLabel}'");
        }
    }

    /// <summary>
    /// Finds a key by label (and CKA_ID when <paramref name="keyId"/> is not empty) whatever its type: an AES secret key or
    /// an RSA private key. Returns its wrapper, whose <see cref="ICustomerKeyWrapper.Identity"/> is what a new protector
    /// records (with the key's actual CKA_ID).
    /// </summary>
    /// <exception cref="CustomerKeyException">KeyMissing, KeyAmbiguous, MechanismUnsupported or DeviceError.</exception>
    public ICustomerKeyWrapper FindKey(string keyLabel, ReadOnlySpan<byte> keyId = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyLabel);
        byte[] id = keyId.ToArray();
        try
        {
            IObjectHandle? aes = FindOne(CKO.CKO_SECRET_KEY, CKK.CKK_AES, keyLabel, id);
            IObjectHandle? rsa = FindOne(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA, keyLabel, id);
            if (aes is not null && rsa is not null)
            {
                throw new CustomerKeyException(CustomerKeyError.KeyAmbiguous,
                    $"both an AES and an RSA key are labelled '{keyLabel}' on token '{TokenLabel}'; give --key-id");
            }

            IObjectHandle handle = aes ?? rsa ?? throw KeyMissing(keyLabel);
            CustomerKeyType type = aes is not null ? CustomerKeyType.Aes256 : CustomerKeyType.Rsa3072;
            byte[] actualId = ReadId(handle);
            var identity = new CustomerKeyIdentity(TokenLabel, keyLabel, actualId, type,
                CustomerKeyIdentity.DefaultMechanism(type), ModulePath);
            return GetKey(WithNegotiatedMechanism(identity));
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"key '{keyLabel}'");
        }
    }

    /// <summary>
    /// FOR TEST AND LAB USE ONLY: generates a key on the token (production keys are made with the HSM vendor's own
    /// tooling, under its key ceremony). AES-256: CKM_AES_KEY_GEN, token object, CKA_SENSITIVE, not CKA_EXTRACTABLE, may
    /// encrypt/decrypt/wrap/unwrap. RSA-3072: CKM_RSA_PKCS_KEY_PAIR_GEN, exponent 65537, the private half sensitive and
    /// not extractable. A random 16-byte CKA_ID is set on every object. Refuses a label that is already used.
    /// </summary>
    /// <exception cref="CustomerKeyException">KeyExists, MechanismUnsupported or DeviceError.</exception>
    public CustomerKeyIdentity CreateKey(string keyLabel, CustomerKeyType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyLabel);
        try
        {
            if (FindAll(null, null, keyLabel, []).Count != 0)
            {
                throw new CustomerKeyException(CustomerKeyError.KeyExists,
                    $"a key labelled '{keyLabel}' already exists on token '{TokenLabel}'");
            }

            byte[] id = RandomNumberGenerator.GetBytes(16);
            if (type == CustomerKeyType.Aes256)
            {
                GenerateAes(keyLabel, id);
            }
            else if (type == CustomerKeyType.Rsa3072)
            {
                GenerateRsa(keyLabel, id);
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(type));
            }

            return WithNegotiatedMechanism(
                new CustomerKeyIdentity(TokenLabel, keyLabel, id, type, CustomerKeyIdentity.DefaultMechanism(type), ModulePath));
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"creating key '{keyLabel}'");
        }
    }

    /// <summary>
    /// Destroys (C_DestroyObject) every key object labelled <paramref name="keyLabel"/> (and carrying
    /// <paramref name="keyId"/> when given): for an RSA pair both halves. Used for crypto-shredding demos and tests; on a
    /// production HSM use its own tooling and audit trail. Returns how many objects were destroyed.
    /// </summary>
    /// <exception cref="CustomerKeyException">KeyMissing when nothing matched, or DeviceError.</exception>
    public int DestroyKey(string keyLabel, ReadOnlySpan<byte> keyId = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyLabel);
        try
        {
            List<IObjectHandle> handles = FindAll(null, null, keyLabel, keyId.ToArray());
            if (handles.Count == 0)
            {
                throw KeyMissing(keyLabel);
            }

            foreach (IObjectHandle handle in handles)
            {
                Session.DestroyObject(handle);
            }

            return handles.Count;
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"destroying key '{keyLabel}'");
        }
    }

    /// <summary>
    /// Checks whether the key a record names is still usable on this token; returns null when it is, otherwise the reason
    /// (KeyMissing after destruction, MechanismUnsupported ...). Does not throw for those reasons.
    /// </summary>
    public CustomerKeyError? Probe(CustomerKeyIdentity identity)
    {
        try
        {
            GetKey(identity);
            return null;
        }
        catch (CustomerKeyException e)
        {
            return e.Reason;
        }
    }

    /// <summary>
    /// The protection attributes of the key a record names (of the private half for RSA): CKA_SENSITIVE,
    /// CKA_EXTRACTABLE, CKA_NEVER_EXTRACTABLE, CKA_LOCAL (v2.40 §4.9). Unreadable attributes are reported as null.
    /// </summary>
    public CustomerKeyProtection GetProtection(CustomerKeyIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        try
        {
            CKO objectClass = identity.KeyType == CustomerKeyType.Aes256 ? CKO.CKO_SECRET_KEY : CKO.CKO_PRIVATE_KEY;
            CKK keyType = identity.KeyType == CustomerKeyType.Aes256 ? CKK.CKK_AES : CKK.CKK_RSA;
            IObjectHandle handle = FindOne(objectClass, keyType, identity.KeyLabel, identity.KeyId) ?? throw KeyMissing(identity.KeyLabel);
            List<IObjectAttribute> values = Session.GetAttributeValue(handle,
                [CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_LOCAL]);
            bool? Read(int i) => values[i].CannotBeRead ? null : values[i].GetValueAsBool();
            return new CustomerKeyProtection(Read(0), Read(1), Read(2), Read(3));
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"key '{identity.KeyLabel}'");
        }
    }

    /// <summary>For RSA keys, the OAEP hash the token accepts (SHA-256 preferred); AES identities are returned as they are.</summary>
    private CustomerKeyIdentity WithNegotiatedMechanism(CustomerKeyIdentity identity)
    {
        if (identity.KeyType != CustomerKeyType.Rsa3072)
        {
            return identity;
        }

        IObjectHandle privateKey = FindOne(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA, identity.KeyLabel, identity.KeyId)
            ?? throw KeyMissing(identity.KeyLabel);
        IObjectHandle? publicKey = FindOne(CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, identity.KeyLabel, identity.KeyId);
        return identity with { Mechanism = Pkcs11RsaOaepKey.ChooseMechanism(this, identity, privateKey, publicKey) };
    }

    private void GenerateAes(string label, byte[] id)
    {
        AttributeFactory f = new(Session);
        var attributes = new List<IObjectAttribute>
        {
            f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            f.Create(CKA.CKA_VALUE_LEN, 32UL), f.Create(CKA.CKA_TOKEN, true), f.Create(CKA.CKA_PRIVATE, true),
            f.Create(CKA.CKA_SENSITIVE, true), f.Create(CKA.CKA_EXTRACTABLE, false), f.Create(CKA.CKA_ENCRYPT, true),
            f.Create(CKA.CKA_DECRYPT, true), f.Create(CKA.CKA_WRAP, true), f.Create(CKA.CKA_UNWRAP, true),
            f.Create(CKA.CKA_LABEL, label), f.Create(CKA.CKA_ID, id),
        };
        using IMechanism mechanism = Session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
        Session.GenerateKey(mechanism, attributes);
    }

    private void GenerateRsa(string label, byte[] id)
    {
        AttributeFactory f = new(Session);
        var publicTemplate = new List<IObjectAttribute>
        {
            f.Create(CKA.CKA_TOKEN, true), f.Create(CKA.CKA_PRIVATE, false), f.Create(CKA.CKA_ENCRYPT, true),
            f.Create(CKA.CKA_WRAP, true), f.Create(CKA.CKA_VERIFY, false), f.Create(CKA.CKA_MODULUS_BITS, 3072UL),
            f.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 0x01, 0x00, 0x01 }), f.Create(CKA.CKA_LABEL, label),
            f.Create(CKA.CKA_ID, id),
        };
        var privateTemplate = new List<IObjectAttribute>
        {
            f.Create(CKA.CKA_TOKEN, true), f.Create(CKA.CKA_PRIVATE, true), f.Create(CKA.CKA_SENSITIVE, true),
            f.Create(CKA.CKA_EXTRACTABLE, false), f.Create(CKA.CKA_DECRYPT, true), f.Create(CKA.CKA_UNWRAP, true),
            f.Create(CKA.CKA_SIGN, false), f.Create(CKA.CKA_LABEL, label), f.Create(CKA.CKA_ID, id),
        };
        using IMechanism mechanism = Session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        Session.GenerateKeyPair(mechanism, publicTemplate, privateTemplate, out _, out _);
    }

    /// <summary>The single object matching, null when none; KeyAmbiguous when several.</summary>
    private IObjectHandle? FindOne(CKO objectClass, CKK keyType, string label, byte[] id)
    {
        List<IObjectHandle> found = FindAll(objectClass, keyType, label, id);
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new CustomerKeyException(CustomerKeyError.KeyAmbiguous,
                $"{found.Count} {objectClass} objects are labelled '{label}' on token '{TokenLabel}'"),
        };
    }

    private List<IObjectHandle> FindAll(CKO? objectClass, CKK? keyType, string label, byte[] id)
    {
        AttributeFactory f = new(Session);
        var template = new List<IObjectAttribute> { f.Create(CKA.CKA_LABEL, label) };
        if (objectClass is { } c)
        {
            template.Add(f.Create(CKA.CKA_CLASS, c));
        }

        if (keyType is { } k)
        {
            template.Add(f.Create(CKA.CKA_KEY_TYPE, k));
        }

        if (id.Length != 0)
        {
            template.Add(f.Create(CKA.CKA_ID, id));
        }

        return Session.FindAllObjects(template);
    }

    private byte[] ReadId(IObjectHandle handle)
    {
        List<IObjectAttribute> values = Session.GetAttributeValue(handle, [CKA.CKA_ID]);
        return values[0].CannotBeRead ? [] : values[0].GetValueAsByteArray() ?? [];
    }

    private CustomerKeyException KeyMissing(string label) =>
        new(CustomerKeyError.KeyMissing, $"no key labelled '{label}' on token '{TokenLabel}' (never created or destroyed)");

    /// <summary>Shorthand over the session's attribute factory.</summary>
    private readonly struct AttributeFactory(ISession session)
    {
        public IObjectAttribute Create(CKA type, CKO value) => session.Factories.ObjectAttributeFactory.Create(type, value);
        public IObjectAttribute Create(CKA type, CKK value) => session.Factories.ObjectAttributeFactory.Create(type, value);
        public IObjectAttribute Create(CKA type, ulong value) => session.Factories.ObjectAttributeFactory.Create(type, value);
        public IObjectAttribute Create(CKA type, bool value) => session.Factories.ObjectAttributeFactory.Create(type, value);
        public IObjectAttribute Create(CKA type, string value) => session.Factories.ObjectAttributeFactory.Create(type, value);
        public IObjectAttribute Create(CKA type, byte[] value) => session.Factories.ObjectAttributeFactory.Create(type, value);
    }
}
