using System.Buffers.Binary;

namespace BlockCrypt.Volume.Kdf;

/// <summary>
/// Argon2id (RFC 9106, version 0x13) cost parameters as stored in a passphrase or recovery protector, with the
/// documented floor and ceiling (docs/format.md §5.1). Parameters outside them are refused before any work is done.
/// </summary>
public readonly record struct Argon2idParameters(int MemoryKiB, int Iterations, int Lanes)
{
    /// <summary>Floor: 8 MiB of memory. Below it the volume is refused on open.</summary>
    public const int MinMemoryKiB = 8 * 1024;

    /// <summary>Ceiling: 4 GiB (bounds what a damaged or hostile header can make an unlock allocate).</summary>
    public const int MaxMemoryKiB = 4 * 1024 * 1024;

    /// <summary>Floor on passes over memory.</summary>
    public const int MinIterations = 1;

    /// <summary>Ceiling on passes over memory.</summary>
    public const int MaxIterations = 1000;

    /// <summary>Lanes: 1 to 16 (RFC 9106 allows up to 2^24 - 1; more than 16 buys nothing here).</summary>
    public const int MinLanes = 1, MaxLanes = 16;

    /// <summary>Salt length written by this build (RFC 9106 §3.1 recommends 16; 32 is used).</summary>
    public const int SaltLength = 32;

    /// <summary>Encoded size of the parameters without the salt: algorithm (1), reserved (1), lanes (2), memory (4), iterations (4), salt length (2).</summary>
    public const int HeaderLength = 14;

    /// <summary>Algorithm byte for Argon2id version 1.3.</summary>
    public const byte AlgorithmArgon2id13 = 1;

    /// <summary>Null when within bounds, else the reason (for the error message).</summary>
    public string? CheckBounds()
    {
        if (MemoryKiB < MinMemoryKiB) return $"Argon2id memory {MemoryKiB} KiB is below the floor of {MinMemoryKiB} KiB";
        if (MemoryKiB > MaxMemoryKiB) return $"Argon2id memory {MemoryKiB} KiB is above the ceiling of {MaxMemoryKiB} KiB";
        if (Iterations < MinIterations || Iterations > MaxIterations) return $"Argon2id iterations {Iterations} outside {MinIterations}..{MaxIterations}";
        if (Lanes < MinLanes || Lanes > MaxLanes) return $"Argon2id lanes {Lanes} outside {MinLanes}..{MaxLanes}";
        if (MemoryKiB < 8 * Lanes) return "Argon2id memory below 8 KiB per lane (RFC 9106 §3.1)";
        return null;
    }

    /// <summary>Writes the parameters and <paramref name="salt"/> in the protector-parameter layout (docs/format.md §5.1).</summary>
    public byte[] Encode(ReadOnlySpan<byte> salt)
    {
        var blob = new byte[HeaderLength + salt.Length];
        blob[0] = AlgorithmArgon2id13;
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(2), (ushort)Lanes);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), (uint)MemoryKiB);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), (uint)Iterations);
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(12), (ushort)salt.Length);
        salt.CopyTo(blob.AsSpan(HeaderLength));
        return blob;
    }

    /// <summary>Parses a parameter blob; false when it is malformed (bounds are checked separately by <see cref="CheckBounds"/>).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> blob, out Argon2idParameters parameters, out ReadOnlySpan<byte> salt)
    {
        parameters = default;
        salt = default;
        if (blob.Length < HeaderLength || blob[0] != AlgorithmArgon2id13 || blob[1] != 0) return false;
        int saltLength = BinaryPrimitives.ReadUInt16LittleEndian(blob[12..]);
        if (saltLength < 16 || saltLength > 64 || blob.Length != HeaderLength + saltLength) return false;
        uint memory = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        uint iterations = BinaryPrimitives.ReadUInt32LittleEndian(blob[8..]);
        parameters = new Argon2idParameters(
            (int)Math.Min(memory, int.MaxValue), (int)Math.Min(iterations, int.MaxValue), BinaryPrimitives.ReadUInt16LittleEndian(blob[2..]));
        salt = blob.Slice(HeaderLength, saltLength);
        return true;
    }
}
