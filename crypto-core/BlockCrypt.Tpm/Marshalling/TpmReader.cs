using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace BlockCrypt.Tpm.Marshalling;

/// <summary>
/// Bounds-checked big-endian unmarshalling. Every read checks the remaining length first and throws
/// <see cref="TpmProtocolException"/> naming what was being read, so a truncated or lying response never surfaces
/// as an IndexOutOfRangeException.
/// </summary>
public ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Creates a reader over <paramref name="data"/>.</summary>
    public TpmReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Current offset.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - _position;

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > _data.Length - _position)
            ThrowTruncated(what, count, _data.Length - _position);
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    [DoesNotReturn]
    private static void ThrowTruncated(string what, int needed, int available) =>
        throw new TpmProtocolException($"malformed TPM data: {what} needs {needed} bytes but only {available} remain");

    public byte ReadByte(string what = "u8") => Take(1, what)[0];
    public ushort ReadUInt16(string what = "u16") => BinaryPrimitives.ReadUInt16BigEndian(Take(2, what));
    public uint ReadUInt32(string what = "u32") => BinaryPrimitives.ReadUInt32BigEndian(Take(4, what));
    public ReadOnlySpan<byte> ReadBytes(int count, string what = "bytes") => Take(count, what);

    /// <summary>Reads a TPM2B's contents, refusing sizes above <paramref name="maxSize"/>.</summary>
    public ReadOnlySpan<byte> ReadSized(string what, int maxSize = ushort.MaxValue)
    {
        ushort size = ReadUInt16(what + " size");
        if (size > maxSize)
            throw new TpmProtocolException($"malformed TPM data: {what} size {size} exceeds the maximum {maxSize}");
        return Take(size, what);
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count, string what) => Take(count, what);

    /// <summary>Throws unless every byte was consumed.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (Remaining != 0)
            throw new TpmProtocolException($"malformed TPM data: {Remaining} unexpected trailing bytes after {what}");
    }
}
