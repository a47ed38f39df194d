using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace BlockCrypt.Crypto;

/// <summary>Single data units of any length from 16 bytes, with ciphertext stealing (IEEE 1619-2018 §5.3.2, §5.4.2).</summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>
    /// Encrypts one data unit of any length from 16 to <see cref="MaxSectorSize"/> bytes with the given tweak
    /// (data unit sequence number); a length that is not a multiple of 16 uses ciphertext stealing.
    /// </summary>
    /// <param name="source">Plaintext data unit.</param>
    /// <param name="destination">Ciphertext; same length; may be the same memory as <paramref name="source"/>.</param>
    /// <param name="tweak">The data unit sequence number (128-bit, encoded little-endian).</param>
    public void EncryptDataUnit(ReadOnlySpan<byte> source, Span<byte> destination, UInt128 tweak) =>
        DataUnit(encrypt: true, source, destination, tweak);

    /// <summary>Decrypts one data unit; the inverse of <see cref="EncryptDataUnit"/>, same rules.</summary>
    public void DecryptDataUnit(ReadOnlySpan<byte> source, Span<byte> destination, UInt128 tweak) =>
        DataUnit(encrypt: false, source, destination, tweak);

    private void DataUnit(bool encrypt, ReadOnlySpan<byte> source, Span<byte> destination, UInt128 tweak)
    {
        ObjectDisposedException.ThrowIf(_material == null, this);
        if (source.Length < MinSectorSize || source.Length > MaxSectorSize)
        {
            ThrowArgument(
                $"A data unit is {MinSectorSize} to {MaxSectorSize} bytes long, not {source.Length}.", nameof(source));
        }

        CheckBuffers(source, destination);
        int tail = source.Length % BlockSize;
        int full = source.Length / BlockSize;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            if (tail == 0)
            {
                Process(encrypt, src, dst, source.Length, 1, tweak);
                GC.KeepAlive(this);
                return;
            }

            // Blocks 0 .. m-2 are plain XTS; blocks m-1 and m (the partial one) are stolen (IEEE 1619 §5.3.2).
            if (full > 1)
            {
                Process(encrypt, src, dst, (full - 1) * BlockSize, 1, tweak);
            }

            byte* buf = stackalloc byte[3 * BlockSize];
            try
            {
                Steal(encrypt, src + ((full - 1) * BlockSize), dst + ((full - 1) * BlockSize), tail, full, tweak, buf);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(new Span<byte>(buf, 3 * BlockSize));
            }
        }

        GC.KeepAlive(this);
    }

    /// <summary>
    /// The last full block and the partial block. <paramref name="src"/> and <paramref name="dst"/> point at block m-1;
    /// <paramref name="full"/> = m. Every input byte is read before the output block that may alias it is written.
    /// </summary>
    private void Steal(bool encrypt, byte* src, byte* dst, int tail, int full, UInt128 tweak, byte* buf)
    {
        byte* tweakBlock = buf;
        byte* work = buf + BlockSize;
        byte* other = buf + (2 * BlockSize);
        BinaryPrimitives.WriteUInt128LittleEndian(new Span<byte>(tweakBlock, BlockSize), tweak);
        TweakBlock(tweakBlock);
        ulong lo = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(tweakBlock, 8));
        ulong hi = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(tweakBlock + 8, 8));
        for (int i = 0; i < full - 1; i++)
        {
            DoubleTweak(ref lo, ref hi);
        }

        ulong loM = lo, hiM = hi;
        DoubleTweak(ref loM, ref hiM);

        // Encrypt: CC = XEX(P[m-1], T[m-1]). Decrypt: PP = XEX⁻¹(C[m-1], T[m]) (IEEE 1619 §5.4.2 swaps the tweaks).
        ulong firstLo = encrypt ? lo : loM, firstHi = encrypt ? hi : hiM;
        ulong secondLo = encrypt ? loM : lo, secondHi = encrypt ? hiM : hi;
        XorBlock(src, work, firstLo, firstHi);
        CipherBlock(encrypt, work);
        XorBlock(work, work, firstLo, firstHi);

        // other = partial input || work[tail..16]; output partial = work[0..tail].
        new ReadOnlySpan<byte>(src + BlockSize, tail).CopyTo(new Span<byte>(other, tail));
        new ReadOnlySpan<byte>(work + tail, BlockSize - tail).CopyTo(new Span<byte>(other + tail, BlockSize - tail));
        new ReadOnlySpan<byte>(work, tail).CopyTo(new Span<byte>(dst + BlockSize, tail));

        XorBlock(other, other, secondLo, secondHi);
        CipherBlock(encrypt, other);
        XorBlock(other, dst, secondLo, secondHi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorBlock(byte* src, byte* dst, ulong lo, ulong hi)
    {
        Unsafe.WriteUnaligned(dst, Unsafe.ReadUnaligned<ulong>(src) ^ lo);
        Unsafe.WriteUnaligned(dst + 8, Unsafe.ReadUnaligned<ulong>(src + 8) ^ hi);
    }

    /// <summary>One raw AES block with Key1, in place, on this engine's tier.</summary>
    private void CipherBlock(bool encrypt, byte* block)
    {
        switch (_implementation)
        {
            case XtsImplementation.AesNi or XtsImplementation.Vaes:
                X86Block(encrypt, _material, _rounds, block);
                break;
            case XtsImplementation.Arm:
                ArmBlock(encrypt, _material, _rounds, block);
                break;
            default:
                _portable!.Block(encrypt, tweakKey: false, new Span<byte>(block, BlockSize));
                break;
        }
    }

    /// <summary>AES-enc(Key2, block), in place, on this engine's tier.</summary>
    private void TweakBlock(byte* block)
    {
        switch (_implementation)
        {
            case XtsImplementation.AesNi or XtsImplementation.Vaes:
                X86TweakBlock(_material, _rounds, block);
                break;
            case XtsImplementation.Arm:
                ArmTweakBlock(_material, _rounds, block);
                break;
            default:
                _portable!.Block(encrypt: true, tweakKey: true, new Span<byte>(block, BlockSize));
                break;
        }
    }
}
