using System.Buffers.Binary;
using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;

namespace BlockCrypt.Tpm.Sealing;

/// <summary>Policy digests computed in software, exactly as a trial session would (TPM 2.0 Part 3 §23).</summary>
public static class TpmPolicy
{
    /// <summary>
    /// PolicyPCR (Part 3 §23.7): policyDigest' = H(policyDigest || TPM_CC_PolicyPCR || pcrs || H(PCR values in
    /// selection order)).
    /// </summary>
    public static byte[] ExtendPcr(ReadOnlySpan<byte> policyDigest, PcrSelection pcrs, IReadOnlyDictionary<int, byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(pcrs);
        ArgumentNullException.ThrowIfNull(values);
        using var pcrHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (int i in pcrs.Indices)
            pcrHash.AppendData(values.TryGetValue(i, out var v) ? v : throw new ArgumentException($"no value for PCR {i}", nameof(values)));
        using var w = new TpmWriter(128);
        w.WriteBytes(policyDigest);
        w.WriteUInt32(TpmCc.PolicyPcr);
        pcrs.WriteTo(w);
        w.WriteBytes(pcrHash.GetHashAndReset());
        return SHA256.HashData(w.WrittenSpan);
    }

    /// <summary>PolicyAuthValue / PolicyPassword (Part 3 §23.17-18): policyDigest' = H(policyDigest || TPM_CC_PolicyAuthValue).</summary>
    public static byte[] ExtendAuthValue(ReadOnlySpan<byte> policyDigest)
    {
        Span<byte> buffer = stackalloc byte[policyDigest.Length + 4];
        policyDigest.CopyTo(buffer);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[policyDigest.Length..], TpmCc.PolicyAuthValue);
        return SHA256.HashData(buffer);
    }

    /// <summary>
    /// The digest of the sealing policy: PolicyPCR(pcrs) then, with a PIN, PolicyAuthValue. With no PCR selected
    /// (<see cref="PcrSelection.None"/>) it is PolicyAuthValue alone, with or without a PIN (the authValue is then
    /// empty): the object stays usable only through a policy session on this TPM, whatever the PCRs hold.
    /// </summary>
    public static byte[] SealingPolicy(PcrSelection pcrs, IReadOnlyDictionary<int, byte[]> values, bool withPin)
    {
        ArgumentNullException.ThrowIfNull(pcrs);
        if (pcrs.IsEmpty) return ExtendAuthValue(new byte[32]);
        byte[] digest = ExtendPcr(new byte[32], pcrs, values);
        return withPin ? ExtendAuthValue(digest) : digest;
    }
}
