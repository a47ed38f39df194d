using System.Buffers.Binary;
using System.Security.Cryptography;

namespace BlockCrypt.Tpm.Marshalling;

/// <summary>
/// Big-endian marshalling into a growable buffer (TPM 2.0 Part 1 §18: every integer is big-endian, every TPM2B is a
/// u16 size followed by that many octets). Commands may carry secrets, so <see cref="Dispose"/> zeroes the buffer.
/// Not thread-safe.
/// </summary>
public sealed class TpmWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with the given initial capacity.</summary>
    public TpmWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far (valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>A writable view of bytes already written (for patching sizes or encrypting in place).</summary>
    public Span<byte> WrittenSpanMutable => _buffer.AsSpan(0, _length);

    /// <summary>Copies the written bytes into a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    private Span<byte> Grow(int count)
    {
        if (_length + count > _buffer.Length)
        {
            var bigger = new byte[Math.Max(_buffer.Length * 2, _length + count)];
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            CryptographicOperations.ZeroMemory(_buffer);
            _buffer = bigger;
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void WriteByte(byte value) => Grow(1)[0] = value;
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);
    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    /// <summary>Writes a TPM2B: u16 size then the bytes.</summary>
    public void WriteSized(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(bytes), "a TPM2B holds at most 65535 bytes");
        WriteUInt16((ushort)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Starts a TPM2B whose contents are written next; finish with <see cref="EndSized"/>.</summary>
    public int BeginSized()
    {
        WriteUInt16(0);
        return _length;
    }

    /// <summary>Patches the u16 size of a TPM2B started with <see cref="BeginSized"/>.</summary>
    public void EndSized(int start)
    {
        int size = _length - start;
        if (size > ushort.MaxValue) throw new InvalidOperationException("TPM2B contents too large");
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(start - 2, 2), (ushort)size);
    }

    /// <summary>Patches a u32 at <paramref name="offset"/>.</summary>
    public void PatchUInt32(int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset, 4), value);

    /// <summary>Zeroes the written bytes and starts over.</summary>
    public void Reset()
    {
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
        _length = 0;
    }

    /// <summary>Zeroes the buffer.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _length = 0;
    }
}
