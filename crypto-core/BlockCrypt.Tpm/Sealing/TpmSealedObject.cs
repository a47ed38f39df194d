using System.Text;
using BlockCrypt.Tpm.Marshalling;

namespace BlockCrypt.Tpm.Sealing;

/// <summary>
/// Everything needed to unseal later: the TPM's private/public blobs of the sealed keyed-hash object, the PCR
/// selection and the PCR values at sealing (to name which changed), the policy digest, the SRK's Name and whether a
/// PIN is required. None of it is secret (the private blob is encrypted by the SRK). Immutable.
/// </summary>
public sealed class TpmSealedObject
{
    private static ReadOnlySpan<byte> Magic => "BCTS"u8;
    private const byte Version = 1;

    /// <summary>Creates the object.</summary>
    public TpmSealedObject(byte[] privateBlob, TpmPublic publicArea, PcrSelection pcrs, IReadOnlyDictionary<int, byte[]> pcrValues,
        byte[] policyDigest, byte[] srkName, bool hasPin)
    {
        PrivateBlob = privateBlob;
        Public = publicArea;
        Pcrs = pcrs;
        PcrValues = pcrValues;
        PolicyDigest = policyDigest;
        SrkName = srkName;
        HasPin = hasPin;
    }

    /// <summary>TPM2B_PRIVATE contents.</summary>
    public byte[] PrivateBlob { get; }
    /// <summary>The sealed object's public area.</summary>
    public TpmPublic Public { get; }
    /// <summary>The PCRs the policy binds (sha256 bank).</summary>
    public PcrSelection Pcrs { get; }
    /// <summary>The PCR values at sealing time, by index.</summary>
    public IReadOnlyDictionary<int, byte[]> PcrValues { get; }
    /// <summary>The object's authPolicy.</summary>
    public byte[] PolicyDigest { get; }
    /// <summary>The Name of the SRK the object was created under.</summary>
    public byte[] SrkName { get; }
    /// <summary>Whether unsealing needs the PIN (PolicyAuthValue, subject to dictionary-attack lockout).</summary>
    public bool HasPin { get; }

    /// <summary>Serializes (big-endian, versioned): "BCTS" v1 flags srkName pcrs values policy public private.</summary>
    public byte[] ToBytes()
    {
        using var w = new TpmWriter(512);
        w.WriteBytes(Magic);
        w.WriteByte(Version);
        w.WriteByte(HasPin ? (byte)1 : (byte)0);
        w.WriteSized(SrkName);
        Pcrs.WriteTo(w);
        foreach (int i in Pcrs.Indices) w.WriteSized(PcrValues[i]);
        w.WriteSized(PolicyDigest);
        int start = w.BeginSized();
        Public.WriteTo(w);
        w.EndSized(start);
        w.WriteSized(PrivateBlob);
        return w.ToArray();
    }

    /// <summary>Parses <see cref="ToBytes"/>' output; throws <see cref="TpmUnsealException"/> (MalformedSealedObject) on any inconsistency.</summary>
    public static TpmSealedObject Parse(ReadOnlySpan<byte> data)
    {
        try
        {
            var r = new TpmReader(data);
            if (!r.ReadBytes(4, "magic").SequenceEqual(Magic)) throw new TpmProtocolException("not a BlockCrypt TPM sealed object (bad magic)");
            byte version = r.ReadByte("version");
            if (version != Version) throw new TpmProtocolException($"unsupported sealed object version {version}");
            byte flags = r.ReadByte("flags");
            if (flags > 1) throw new TpmProtocolException($"unknown sealed object flags 0x{flags:X2}");
            byte[] srkName = r.ReadSized("SRK name", 66).ToArray();
            var banks = PcrSelection.ReadList(ref r);
            // An empty selection is a PCR-less object (PcrSelection.None, TPM protection suspended).
            if (banks.Length != 1 || banks[0].HashAlg != TpmAlg.Sha256)
                throw new TpmProtocolException("the sealed object must name the sha256 PCR bank");
            var values = new SortedDictionary<int, byte[]>();
            foreach (int i in banks[0].Indices)
            {
                var v = r.ReadSized("PCR value", 32);
                if (v.Length != 32) throw new TpmProtocolException("a sha256 PCR value has 32 bytes");
                values[i] = v.ToArray();
            }
            byte[] policy = r.ReadSized("policy digest", 32).ToArray();
            var pubReader = new TpmReader(r.ReadSized("public area", 1024));
            var pub = TpmPublic.Read(ref pubReader);
            pubReader.ExpectEnd("public area");
            byte[] priv = r.ReadSized("private blob", 1024).ToArray();
            r.ExpectEnd("sealed object");
            if (pub.Type != TpmAlg.KeyedHash || !pub.AuthPolicy.AsSpan().SequenceEqual(policy))
                throw new TpmProtocolException("the sealed object's public area is not a keyed-hash object with the recorded policy");
            return new TpmSealedObject(priv, pub, banks[0], values, policy, srkName, flags == 1);
        }
        catch (TpmProtocolException e)
        {
            throw new TpmUnsealException(TpmFailure.MalformedSealedObject, "the stored TPM protector is damaged: " + e.Message, e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        new StringBuilder().Append("TPM sealed object, PCRs ").Append(Pcrs).Append(HasPin ? ", PIN" : ", no PIN").ToString();
}
