using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;

namespace BlockCrypt.Tpm;

public sealed partial class TpmClient
{
    /// <summary>TPM2_Startup (Part 3 §9.3). <paramref name="clear"/>: TPM_SU_CLEAR, else TPM_SU_STATE.</summary>
    public void Startup(bool clear = true) => Simple(TpmCc.Startup, [], w => w.WriteUInt16(clear ? (ushort)0 : (ushort)1));

    /// <summary>TPM2_Shutdown (Part 3 §9.4).</summary>
    public void Shutdown(bool clear = true) => Simple(TpmCc.Shutdown, [], w => w.WriteUInt16(clear ? (ushort)0 : (ushort)1));

    /// <summary>TPM2_GetRandom (Part 3 §16.1): fills <paramref name="destination"/>, several calls if needed.</summary>
    public void GetRandom(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            ushort want = (ushort)Math.Min(destination.Length, 32);
            using var p = new TpmWriter(2);
            p.WriteUInt16(want);
            using var resp = Execute(TpmCc.GetRandom, [], [], p.WrittenSpan);
            var r = new TpmReader(resp.Parameters);
            var bytes = r.ReadSized("randomBytes", want);
            r.ExpectEnd("TPM2_GetRandom response");
            if (bytes.IsEmpty) throw new TpmProtocolException("TPM2_GetRandom returned no bytes");
            bytes.CopyTo(destination);
            destination = destination[bytes.Length..];
        }
    }

    /// <summary>TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES) (Part 3 §30.2): up to <paramref name="count"/> properties from <paramref name="first"/>.</summary>
    public IReadOnlyDictionary<uint, uint> GetProperties(uint first, uint count)
    {
        using var resp = GetCapability(TpmPt.CapTpmProperties, first, count);
        var r = new TpmReader(resp.Parameters);
        r.ReadByte("moreData");
        uint cap = r.ReadUInt32("capability");
        if (cap != TpmPt.CapTpmProperties) throw new TpmProtocolException($"GetCapability returned capability {cap}, asked {TpmPt.CapTpmProperties}");
        uint n = r.ReadUInt32("TPML_TAGGED_TPM_PROPERTY.count");
        if (n > 256) throw new TpmProtocolException($"malformed TPM data: {n} properties");
        var result = new Dictionary<uint, uint>();
        for (int i = 0; i < n; i++) result[r.ReadUInt32("property")] = r.ReadUInt32("value");
        r.ExpectEnd("TPM2_GetCapability response");
        return result;
    }

    /// <summary>One TPM property (TPM_PT), or throws <see cref="TpmProtocolException"/> if the TPM does not report it.</summary>
    public uint GetProperty(uint property) =>
        GetProperties(property, 1).TryGetValue(property, out uint v) ? v
            : throw new TpmProtocolException($"the TPM did not report property 0x{property:X3}");

    /// <summary>TPM2_GetCapability(TPM_CAP_HANDLES): loaded/persistent handles from <paramref name="first"/> in its range.</summary>
    public IReadOnlyList<uint> GetHandles(uint first, uint count = 64)
    {
        using var resp = GetCapability(TpmPt.CapHandles, first, count);
        var r = new TpmReader(resp.Parameters);
        r.ReadByte("moreData");
        uint cap = r.ReadUInt32("capability");
        if (cap != TpmPt.CapHandles) throw new TpmProtocolException($"GetCapability returned capability {cap}, asked {TpmPt.CapHandles}");
        uint n = r.ReadUInt32("TPML_HANDLE.count");
        if (n > 256) throw new TpmProtocolException($"malformed TPM data: {n} handles");
        var result = new List<uint>((int)n);
        for (int i = 0; i < n; i++) result.Add(r.ReadUInt32("handle"));
        r.ExpectEnd("TPM2_GetCapability response");
        return result;
    }

    private TpmResponse GetCapability(uint capability, uint property, uint count)
    {
        using var p = new TpmWriter(12);
        p.WriteUInt32(capability);
        p.WriteUInt32(property);
        p.WriteUInt32(count);
        return Execute(TpmCc.GetCapability, [], [], p.WrittenSpan);
    }

    /// <summary>
    /// TPM2_PCR_Read (Part 3 §22.4) of every PCR in <paramref name="selection"/>; the TPM returns at most 8 digests
    /// per call, so larger selections take several calls. Returns index → digest.
    /// </summary>
    public IReadOnlyDictionary<int, byte[]> PcrRead(PcrSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var result = new SortedDictionary<int, byte[]>();
        foreach (var chunk in selection.Indices.Chunk(8))
        {
            var want = new PcrSelection(chunk, selection.HashAlg);
            using var p = new TpmWriter(16);
            want.WriteTo(p);
            using var resp = Execute(TpmCc.PcrRead, [], [], p.WrittenSpan);
            var r = new TpmReader(resp.Parameters);
            r.ReadUInt32("pcrUpdateCounter");
            var got = PcrSelection.ReadList(ref r);
            uint n = r.ReadUInt32("TPML_DIGEST.count");
            if (got.Length != 1 || !got[0].Equals(want) || n != chunk.Length)
                throw new TpmProtocolException($"TPM2_PCR_Read returned {(got.Length == 1 ? got[0].ToString() : got.Length + " banks")} with {n} digests for {want}");
            foreach (int index in chunk)
                result[index] = r.ReadSized("PCR digest", 64).ToArray();
            r.ExpectEnd("TPM2_PCR_Read response");
        }
        return result;
    }

    /// <summary>TPM2_PCR_Extend (Part 3 §22.2) of PCR <paramref name="index"/> in the sha256 bank with a 32-byte digest.</summary>
    public void PcrExtend(int index, ReadOnlySpan<byte> sha256Digest)
    {
        if ((uint)index > PcrSelection.MaxPcr) throw new ArgumentOutOfRangeException(nameof(index));
        if (sha256Digest.Length != 32) throw new ArgumentException("a sha256 digest has 32 bytes", nameof(sha256Digest));
        using var p = new TpmWriter(48);
        p.WriteUInt32(1);
        p.WriteUInt16(TpmAlg.Sha256);
        p.WriteBytes(sha256Digest);
        using var _ = Execute(TpmCc.PcrExtend, [TpmEntity.Permanent((uint)index)], [TpmAuth.Password()], p.WrittenSpan);
    }

    /// <summary>TPM2_DictionaryAttackParameters (Part 3 §25.3), authorized by the lockout hierarchy's password.</summary>
    public void DictionaryAttackParameters(uint maxTries, uint recoveryTimeSeconds, uint lockoutRecoverySeconds, byte[]? lockoutAuth = null)
    {
        using var p = new TpmWriter(12);
        p.WriteUInt32(maxTries);
        p.WriteUInt32(recoveryTimeSeconds);
        p.WriteUInt32(lockoutRecoverySeconds);
        using var _ = Execute(TpmCc.DictionaryAttackParameters, [TpmEntity.Permanent(TpmRh.Lockout)], [TpmAuth.Password(lockoutAuth)], p.WrittenSpan);
    }

    /// <summary>TPM2_DictionaryAttackLockReset (Part 3 §25.2): clears the failure counter and lockout.</summary>
    public void DictionaryAttackLockReset(byte[]? lockoutAuth = null)
    {
        using var _ = Execute(TpmCc.DictionaryAttackLockReset, [TpmEntity.Permanent(TpmRh.Lockout)], [TpmAuth.Password(lockoutAuth)], []);
    }

    private void Simple(uint commandCode, ReadOnlySpan<TpmEntity> handles, Action<TpmWriter> parameters)
    {
        using var p = new TpmWriter(16);
        parameters(p);
        using var resp = Execute(commandCode, handles, [], p.WrittenSpan);
        if (resp.Parameters.Length != 0)
            throw new TpmProtocolException($"malformed TPM response: {resp.Parameters.Length} unexpected parameter bytes for command 0x{commandCode:X3}");
    }
}
