using System.Security.Cryptography;

namespace BlockCrypt.Tpm.Marshalling;

/// <summary>
/// The public area of an object (TPMT_PUBLIC, Part 2 §12.2.4) for the types this client uses: ECC keys,
/// keyed-hash (sealed data) objects, and RSA keys only far enough to recognise them. Mutable builder-style class;
/// not thread-safe.
/// </summary>
public sealed class TpmPublic
{
    /// <summary>TPMI_ALG_PUBLIC: TPM_ALG_ECC, TPM_ALG_KEYEDHASH or TPM_ALG_RSA.</summary>
    public ushort Type { get; set; }
    /// <summary>The hash algorithm of the object's Name.</summary>
    public ushort NameAlg { get; set; } = TpmAlg.Sha256;
    /// <summary>TPMA_OBJECT.</summary>
    public TpmaObject Attributes { get; set; }
    /// <summary>authPolicy digest (empty: no policy).</summary>
    public byte[] AuthPolicy { get; set; } = [];

    /// <summary>TPMT_SYM_DEF_OBJECT.algorithm (TPM_ALG_NULL for none).</summary>
    public ushort SymmetricAlg { get; set; } = TpmAlg.Null;
    /// <summary>Symmetric key bits (or the hash for XOR).</summary>
    public ushort SymmetricKeyBits { get; set; }
    /// <summary>Symmetric mode (TPM_ALG_CFB for storage keys).</summary>
    public ushort SymmetricMode { get; set; } = TpmAlg.Null;
    /// <summary>Signing/encryption scheme (ECC, RSA or keyed-hash), TPM_ALG_NULL for none.</summary>
    public ushort Scheme { get; set; } = TpmAlg.Null;
    /// <summary>The scheme's hash algorithm when <see cref="Scheme"/> is not NULL.</summary>
    public ushort SchemeHash { get; set; }
    /// <summary>Extra scheme detail (ECDAA count, XOR KDF).</summary>
    public ushort SchemeExtra { get; set; }
    /// <summary>TPMI_ECC_CURVE.</summary>
    public ushort CurveId { get; set; }
    /// <summary>TPMT_KDF_SCHEME.scheme (ECC).</summary>
    public ushort Kdf { get; set; } = TpmAlg.Null;
    /// <summary>TPMT_KDF_SCHEME hash when <see cref="Kdf"/> is not NULL.</summary>
    public ushort KdfHash { get; set; }
    /// <summary>RSA key bits.</summary>
    public ushort RsaKeyBits { get; set; }
    /// <summary>RSA exponent (0 = 65537).</summary>
    public uint RsaExponent { get; set; }

    /// <summary>ECC: the public point's x coordinate. RSA: the modulus. Keyed hash: the unique digest.</summary>
    public byte[] UniqueX { get; set; } = [];
    /// <summary>ECC: the public point's y coordinate (empty for other types).</summary>
    public byte[] UniqueY { get; set; } = [];

    /// <summary>
    /// The TCG standard Storage Root Key template, ECC NIST P-256 (TCG EK Credential Profile / Provisioning Guidance,
    /// "SRK template"): fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, noDA, restricted, decrypt;
    /// AES-128-CFB; scheme NULL; KDF NULL; empty authPolicy and empty unique.
    /// </summary>
    public static TpmPublic StorageRootKeyTemplate() => new()
    {
        Type = TpmAlg.Ecc,
        NameAlg = TpmAlg.Sha256,
        Attributes = TpmaObject.FixedTpm | TpmaObject.FixedParent | TpmaObject.SensitiveDataOrigin |
                     TpmaObject.UserWithAuth | TpmaObject.NoDA | TpmaObject.Restricted | TpmaObject.Decrypt,
        SymmetricAlg = TpmAlg.Aes,
        SymmetricKeyBits = 128,
        SymmetricMode = TpmAlg.Cfb,
        Scheme = TpmAlg.Null,
        CurveId = TpmAlg.EccNistP256,
        Kdf = TpmAlg.Null,
    };

    /// <summary>
    /// A sealed-data keyed-hash object (Part 1 §27.2.3): fixedTPM|fixedParent, userWithAuth clear (only the policy
    /// authorizes), noDA only when <paramref name="dictionaryAttackProtected"/> is false; scheme NULL.
    /// </summary>
    public static TpmPublic SealedDataTemplate(ReadOnlySpan<byte> authPolicy, bool dictionaryAttackProtected) => new()
    {
        Type = TpmAlg.KeyedHash,
        NameAlg = TpmAlg.Sha256,
        Attributes = TpmaObject.FixedTpm | TpmaObject.FixedParent | (dictionaryAttackProtected ? 0 : TpmaObject.NoDA),
        AuthPolicy = authPolicy.ToArray(),
        Scheme = TpmAlg.Null,
    };

    /// <summary>Writes the TPMT_PUBLIC.</summary>
    public void WriteTo(TpmWriter w)
    {
        w.WriteUInt16(Type);
        w.WriteUInt16(NameAlg);
        w.WriteUInt32((uint)Attributes);
        w.WriteSized(AuthPolicy);
        switch (Type)
        {
            case TpmAlg.KeyedHash:
                WriteScheme(w);
                w.WriteSized(UniqueX);
                break;
            case TpmAlg.Ecc:
                WriteSymmetric(w);
                WriteScheme(w);
                w.WriteUInt16(CurveId);
                w.WriteUInt16(Kdf);
                if (Kdf != TpmAlg.Null) w.WriteUInt16(KdfHash);
                w.WriteSized(UniqueX);
                w.WriteSized(UniqueY);
                break;
            case TpmAlg.Rsa:
                WriteSymmetric(w);
                WriteScheme(w);
                w.WriteUInt16(RsaKeyBits);
                w.WriteUInt32(RsaExponent);
                w.WriteSized(UniqueX);
                break;
            default:
                throw new TpmProtocolException($"unsupported public area type 0x{Type:X4}");
        }
    }

    private void WriteSymmetric(TpmWriter w)
    {
        w.WriteUInt16(SymmetricAlg);
        if (SymmetricAlg == TpmAlg.Null) return;
        w.WriteUInt16(SymmetricKeyBits);
        if (SymmetricAlg != XorAlg) w.WriteUInt16(SymmetricMode);
    }

    private const ushort XorAlg = 0x000A;
    private const ushort EcdaaAlg = 0x001A;

    private void WriteScheme(TpmWriter w)
    {
        w.WriteUInt16(Scheme);
        if (Scheme == TpmAlg.Null) return;
        w.WriteUInt16(SchemeHash);
        if (Scheme == EcdaaAlg || (Type == TpmAlg.KeyedHash && Scheme == XorAlg)) w.WriteUInt16(SchemeExtra);
    }

    /// <summary>The marshalled TPMT_PUBLIC.</summary>
    public byte[] ToBytes()
    {
        using var w = new TpmWriter();
        WriteTo(w);
        return w.ToArray();
    }

    /// <summary>Parses a TPMT_PUBLIC that must fill <paramref name="data"/> exactly.</summary>
    public static TpmPublic Parse(ReadOnlySpan<byte> data)
    {
        var r = new TpmReader(data);
        var p = Read(ref r);
        r.ExpectEnd("TPMT_PUBLIC");
        return p;
    }

    /// <summary>Reads a TPMT_PUBLIC.</summary>
    public static TpmPublic Read(ref TpmReader r)
    {
        var p = new TpmPublic
        {
            Type = r.ReadUInt16("TPMT_PUBLIC.type"),
            NameAlg = r.ReadUInt16("TPMT_PUBLIC.nameAlg"),
            Attributes = (TpmaObject)r.ReadUInt32("TPMT_PUBLIC.objectAttributes"),
            AuthPolicy = r.ReadSized("TPMT_PUBLIC.authPolicy", 64).ToArray(),
        };
        switch (p.Type)
        {
            case TpmAlg.KeyedHash:
                p.ReadScheme(ref r);
                p.UniqueX = r.ReadSized("TPMT_PUBLIC.unique.keyedHash", 64).ToArray();
                break;
            case TpmAlg.Ecc:
                p.ReadSymmetric(ref r);
                p.ReadScheme(ref r);
                p.CurveId = r.ReadUInt16("TPMS_ECC_PARMS.curveID");
                p.Kdf = r.ReadUInt16("TPMT_KDF_SCHEME.scheme");
                if (p.Kdf != TpmAlg.Null) p.KdfHash = r.ReadUInt16("TPMT_KDF_SCHEME.hashAlg");
                p.UniqueX = r.ReadSized("TPMS_ECC_POINT.x", 128).ToArray();
                p.UniqueY = r.ReadSized("TPMS_ECC_POINT.y", 128).ToArray();
                break;
            case TpmAlg.Rsa:
                p.ReadSymmetric(ref r);
                p.ReadScheme(ref r);
                p.RsaKeyBits = r.ReadUInt16("TPMS_RSA_PARMS.keyBits");
                p.RsaExponent = r.ReadUInt32("TPMS_RSA_PARMS.exponent");
                p.UniqueX = r.ReadSized("TPM2B_PUBLIC_KEY_RSA", 512).ToArray();
                break;
            default:
                throw new TpmProtocolException($"malformed TPM data: unsupported TPMT_PUBLIC.type 0x{p.Type:X4}");
        }
        return p;
    }

    private void ReadSymmetric(ref TpmReader r)
    {
        SymmetricAlg = r.ReadUInt16("TPMT_SYM_DEF_OBJECT.algorithm");
        if (SymmetricAlg == TpmAlg.Null) return;
        SymmetricKeyBits = r.ReadUInt16("TPMT_SYM_DEF_OBJECT.keyBits");
        if (SymmetricAlg != XorAlg) SymmetricMode = r.ReadUInt16("TPMT_SYM_DEF_OBJECT.mode");
    }

    private void ReadScheme(ref TpmReader r)
    {
        Scheme = r.ReadUInt16("scheme");
        if (Scheme == TpmAlg.Null) return;
        SchemeHash = r.ReadUInt16("scheme hashAlg");
        if (Scheme == EcdaaAlg || (Type == TpmAlg.KeyedHash && Scheme == XorAlg)) SchemeExtra = r.ReadUInt16("scheme detail");
    }

    /// <summary>The object's Name: nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1 §16). Only SHA-256 is supported.</summary>
    public byte[] ComputeName()
    {
        if (NameAlg != TpmAlg.Sha256)
            throw new TpmProtocolException($"unsupported nameAlg 0x{NameAlg:X4} (only sha256)");
        byte[] name = new byte[2 + 32];
        name[0] = (byte)(NameAlg >> 8);
        name[1] = (byte)NameAlg;
        SHA256.HashData(ToBytes(), name.AsSpan(2));
        return name;
    }

    /// <summary>True when this is an ECC NIST P-256 restricted decryption key usable as a salt key.</summary>
    public bool IsEccP256StorageKey =>
        Type == TpmAlg.Ecc && CurveId == TpmAlg.EccNistP256 && NameAlg == TpmAlg.Sha256 &&
        (Attributes & (TpmaObject.Restricted | TpmaObject.Decrypt)) == (TpmaObject.Restricted | TpmaObject.Decrypt) &&
        UniqueX.Length == 32 && UniqueY.Length == 32;
}
