using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;

namespace BlockCrypt.Tpm;

public sealed partial class TpmClient
{
    /// <summary>
    /// TPM2_StartAuthSession (Part 3 §11.1), unbound (bind = TPM_RH_NULL), authHash SHA-256. With
    /// <paramref name="saltKey"/> (an ECC P-256 decryption key such as the SRK) the session is salted: an ephemeral ECDH
    /// key agreement with the key's public point and KDFe(Z, "SECRET", Qe.x, Qs.x) give a salt only that TPM key can
    /// recover (Part 1 §24.6 / Annex C.6.1), and sessionKey = KDFa(salt, "ATH", nonceTPM, nonceCaller) (§19.6.8).
    /// <paramref name="symmetric"/> selects AES-128-CFB for parameter encryption.
    /// </summary>
    public TpmSession StartAuthSession(TpmSessionType type, TpmLoadedObject? saltKey, bool symmetric = true)
    {
        byte[] nonceCaller = RandomNumberGenerator.GetBytes(NonceSize);
        byte[] salt = [];
        using var p = new TpmWriter(200);
        try
        {
            p.WriteSized(nonceCaller);
            if (saltKey is null) p.WriteSized([]);
            else salt = WriteEncryptedSalt(p, saltKey.Public);
            p.WriteByte((byte)type);
            if (symmetric)
            {
                p.WriteUInt16(TpmAlg.Aes);
                p.WriteUInt16(128);
                p.WriteUInt16(TpmAlg.Cfb);
            }
            else p.WriteUInt16(TpmAlg.Null);
            p.WriteUInt16(TpmAlg.Sha256);

            var tpmKey = saltKey is null ? TpmEntity.Permanent(TpmRh.Null) : saltKey.Entity;
            using var resp = Execute(TpmCc.StartAuthSession, [tpmKey, TpmEntity.Permanent(TpmRh.Null)], [], p.WrittenSpan, 1);
            var r = new TpmReader(resp.Parameters);
            byte[] nonceTpm = r.ReadSized("nonceTPM", 64).ToArray();
            r.ExpectEnd("TPM2_StartAuthSession response");
            if (nonceTpm.Length < 16) throw new TpmProtocolException("TPM2_StartAuthSession returned a nonceTPM shorter than 16 bytes");
            byte[] sessionKey = [];
            if (salt.Length != 0)
            {
                sessionKey = new byte[32];
                TpmKdf.KdfA(salt, "ATH", nonceTpm, nonceCaller, sessionKey);
            }
            return new TpmSession(resp.Handles[0], type, sessionKey, nonceCaller, nonceTpm, symmetric);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salt);
        }
    }

    private static byte[] WriteEncryptedSalt(TpmWriter p, TpmPublic key)
    {
        if (!key.IsEccP256StorageKey)
            throw new ArgumentException("the salt key must be an ECC NIST P-256 restricted decryption key with a sha256 Name", nameof(key));
        var curve = ECCurve.NamedCurves.nistP256;
        using var tpmKey = ECDiffieHellman.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = key.UniqueX, Y = key.UniqueY } });
        using var ephemeral = ECDiffieHellman.Create(curve);
        byte[] z = ephemeral.DeriveRawSecretAgreement(tpmKey.PublicKey);
        try
        {
            var q = ephemeral.ExportParameters(false).Q;
            byte[] salt = new byte[32];
            TpmKdf.KdfE(z, "SECRET", q.X, key.UniqueX, salt);
            // TPM2B_ENCRYPTED_SECRET holding a marshalled TPMS_ECC_POINT (Part 1 Annex C.6.1).
            int start = p.BeginSized();
            p.WriteSized(q.X);
            p.WriteSized(q.Y);
            p.EndSized(start);
            return salt;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
        }
    }

    /// <summary>TPM2_PolicyPCR (Part 3 §23.7) with an empty pcrDigest: the TPM uses the current values of <paramref name="pcrs"/>.</summary>
    public void PolicyPcr(TpmSession session, PcrSelection pcrs)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(pcrs);
        using var p = new TpmWriter(32);
        p.WriteSized([]);
        pcrs.WriteTo(p);
        using var _ = Execute(TpmCc.PolicyPcr, [TpmEntity.Permanent(session.Handle)], [], p.WrittenSpan);
    }

    /// <summary>TPM2_PolicyAuthValue (Part 3 §23.17): the object's authValue will enter the session HMAC.</summary>
    public void PolicyAuthValue(TpmSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var _ = Execute(TpmCc.PolicyAuthValue, [TpmEntity.Permanent(session.Handle)], [], []);
        session.AuthValueNeeded = true;
    }

    /// <summary>TPM2_PolicyPassword (Part 3 §23.18): the authValue will be sent in clear (prefer <see cref="PolicyAuthValue"/>).</summary>
    public void PolicyPassword(TpmSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var _ = Execute(TpmCc.PolicyPassword, [TpmEntity.Permanent(session.Handle)], [], []);
        session.PasswordNeeded = true;
    }

    /// <summary>TPM2_PolicyGetDigest (Part 3 §23.19).</summary>
    public byte[] PolicyGetDigest(TpmSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var resp = Execute(TpmCc.PolicyGetDigest, [TpmEntity.Permanent(session.Handle)], [], []);
        var r = new TpmReader(resp.Parameters);
        var digest = r.ReadSized("policyDigest", 64).ToArray();
        r.ExpectEnd("TPM2_PolicyGetDigest response");
        return digest;
    }
}
