using System.Globalization;

namespace BlockCrypt.Tpm.Marshalling;

/// <summary>
/// A set of PCR indices in one bank (TPMS_PCR_SELECTION, Part 2 §10.6.2), marshalled as a TPML_PCR_SELECTION
/// (§10.9.7) with a single entry and a 3-octet bitmap (PCRs 0..23). Immutable.
/// </summary>
public sealed class PcrSelection : IEquatable<PcrSelection>
{
    /// <summary>The highest PCR index this client selects (a PC client TPM has 24 PCRs).</summary>
    public const int MaxPcr = 23;
    private const int SelectSize = 3;
    private readonly int[] _indices;

    /// <summary>Creates a selection of <paramref name="indices"/> in bank <paramref name="hashAlg"/> (default sha256).</summary>
    public PcrSelection(IEnumerable<int> indices, ushort hashAlg = TpmAlg.Sha256)
    {
        ArgumentNullException.ThrowIfNull(indices);
        _indices = indices.Distinct().Order().ToArray();
        foreach (int i in _indices)
            if (i < 0 || i > MaxPcr) throw new ArgumentOutOfRangeException(nameof(indices), i, "PCR index must be 0..23");
        HashAlg = hashAlg;
    }

    /// <summary>The default selection: PCR 7 (Secure Boot state) in the sha256 bank.</summary>
    public static PcrSelection Default { get; } = new([7]);

    /// <summary>
    /// No PCR (sha256 bank): sealing to it gives an object bound to the TPM (and the PIN) but to no PCR value; used
    /// while TPM protection is suspended.
    /// </summary>
    public static PcrSelection None { get; } = new([]);

    /// <summary>True when no PCR is selected.</summary>
    public bool IsEmpty => _indices.Length == 0;

    /// <summary>The bank (TPM_ALG_ID).</summary>
    public ushort HashAlg { get; }

    /// <summary>Selected indices, ascending.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <summary>Parses "7,11" or "sha256:7,11".</summary>
    public static PcrSelection Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string list = text.Trim();
        if (list.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) list = list[7..];
        var indices = new List<int>();
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i > MaxPcr)
                throw new FormatException($"'{part}' is not a PCR index 0..23 (expected a list such as 7,11)");
            indices.Add(i);
        }
        if (indices.Count == 0) throw new FormatException("the PCR list is empty (expected a list such as 7,11)");
        return new PcrSelection(indices);
    }

    /// <summary>Writes the TPML_PCR_SELECTION (count 1, this bank).</summary>
    public void WriteTo(TpmWriter w)
    {
        w.WriteUInt32(1);
        WriteEntry(w);
    }

    /// <summary>Writes the TPMS_PCR_SELECTION alone.</summary>
    public void WriteEntry(TpmWriter w)
    {
        w.WriteUInt16(HashAlg);
        w.WriteByte(SelectSize);
        Span<byte> bits = stackalloc byte[SelectSize];
        bits.Clear();
        foreach (int i in _indices) bits[i / 8] |= (byte)(1 << (i % 8));
        w.WriteBytes(bits);
    }

    /// <summary>Reads a TPML_PCR_SELECTION (any number of banks up to 16).</summary>
    public static PcrSelection[] ReadList(ref TpmReader r)
    {
        uint count = r.ReadUInt32("TPML_PCR_SELECTION.count");
        if (count > 16) throw new TpmProtocolException($"malformed TPM data: TPML_PCR_SELECTION.count {count} exceeds 16");
        var result = new PcrSelection[count];
        for (int k = 0; k < count; k++)
        {
            ushort alg = r.ReadUInt16("TPMS_PCR_SELECTION.hash");
            byte size = r.ReadByte("TPMS_PCR_SELECTION.sizeofSelect");
            if (size > 4) throw new TpmProtocolException($"malformed TPM data: sizeofSelect {size} exceeds 4");
            var bits = r.ReadBytes(size, "TPMS_PCR_SELECTION.pcrSelect");
            var indices = new List<int>();
            for (int i = 0; i < size * 8 && i <= MaxPcr; i++)
                if ((bits[i / 8] & (1 << (i % 8))) != 0) indices.Add(i);
            result[k] = new PcrSelection(indices, alg);
        }
        return result;
    }

    /// <inheritdoc/>
    public bool Equals(PcrSelection? other) =>
        other is not null && other.HashAlg == HashAlg && other._indices.AsSpan().SequenceEqual(_indices);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PcrSelection);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(HashAlg, string.Join(',', _indices));

    /// <summary>"sha256:7,11".</summary>
    public override string ToString() =>
        (HashAlg == TpmAlg.Sha256 ? "sha256" : $"0x{HashAlg:X4}") + ":" + string.Join(',', _indices);
}
