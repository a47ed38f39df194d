using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AesX86 = System.Runtime.Intrinsics.X86.Aes;

namespace BlockCrypt.Crypto;

/// <summary>AES-NI tier: dispatch, tweak encryption, tweak doubling, single blocks. Kernels: XtsAes.X86.Kernels.cs.</summary>
/// <remarks>
/// The VAES tier (<c>XtsAes.Vaes.cs</c>) reuses the tweak encryption and doubling here and falls back to these kernels
/// for units that are not whole groups of sixteen blocks.
/// </remarks>
public sealed unsafe partial class XtsAes
{
    /// <summary>Number of AES rounds as a compile-time constant for the JIT (generic specialisation over structs).</summary>
    private interface IAesRounds
    {
        static abstract int Rounds { get; }
    }

    private readonly struct Aes128Rounds : IAesRounds
    {
        public static int Rounds => 10;
    }

    private readonly struct Aes256Rounds : IAesRounds
    {
        public static int Rounds => 14;
    }

    private static void X86Process<TKey>(
        bool encrypt, KeyMaterial* m, byte* src, byte* dst, int unitSize, int count, UInt128 firstUnit)
        where TKey : struct, IAesRounds
    {
        if (encrypt)
        {
            X86Encrypt<TKey>(m->DataEnc, m->TweakEnc, src, dst, unitSize, count, firstUnit);
        }
        else
        {
            X86Decrypt<TKey>(m->DataDec, m->TweakEnc, src, dst, unitSize, count, firstUnit);
        }
    }

    /// <summary>T = AES-enc(Key2, i) with i the unit number as a 128-bit little-endian block (IEEE 1619 §5.3.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> X86EncryptTweak<TKey>(byte* keys, UInt128 unit)
        where TKey : struct, IAesRounds
    {
        Vector128<byte> t = Vector128.Create((ulong)unit, (ulong)(unit >> 64)).AsByte() ^ Sse2.LoadVector128(keys);
        for (int r = 1; r < TKey.Rounds; r++)
        {
            t = AesX86.Encrypt(t, Sse2.LoadVector128(keys + (16 * r)));
        }

        return AesX86.EncryptLast(t, Sse2.LoadVector128(keys + (16 * TKey.Rounds)));
    }

    /// <summary>
    /// T·α in GF(2^128) (IEEE 1619 §5.2): the tweak is a little-endian 128-bit integer; shift it left by one and, if
    /// bit 127 fell out, xor 0x87 into the low byte. Each 64-bit lane is doubled with PADDQ; the two lost top bits are
    /// recovered with PSRAD (sign of each dword), PSHUFD 0x13 moves bit 63's sign to dword 2 and bit 127's to dword 0,
    /// and PAND with {0x87, 0, 1, 0} turns them into the carry into bit 64 and the reduction. Registers only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> X86Double(Vector128<byte> t)
    {
        Vector128<int> carry = Sse2.ShiftRightArithmetic(t.AsInt32(), 31);
        carry = Sse2.Shuffle(carry, 0x13) & Vector128.Create(0x87, 0, 1, 0);
        return Sse2.Add(t.AsUInt64(), t.AsUInt64()).AsByte() ^ carry.AsByte();
    }

    /// <summary>One raw AES block with Key1 (encrypt or decrypt) in place; used by ciphertext stealing.</summary>
    private static void X86Block(bool encrypt, KeyMaterial* m, int rounds, byte* block)
    {
        byte* keys = encrypt ? m->DataEnc : m->DataDec;
        Vector128<byte> s = Sse2.LoadVector128(block) ^ Sse2.LoadVector128(keys);
        for (int r = 1; r < rounds; r++)
        {
            Vector128<byte> k = Sse2.LoadVector128(keys + (16 * r));
            s = encrypt ? AesX86.Encrypt(s, k) : AesX86.Decrypt(s, k);
        }

        Vector128<byte> last = Sse2.LoadVector128(keys + (16 * rounds));
        Sse2.Store(block, encrypt ? AesX86.EncryptLast(s, last) : AesX86.DecryptLast(s, last));
    }

    /// <summary>AES-enc(Key2, block) in place; used by ciphertext stealing.</summary>
    private static void X86TweakBlock(KeyMaterial* m, int rounds, byte* block)
    {
        byte* keys = m->TweakEnc;
        Vector128<byte> s = Sse2.LoadVector128(block) ^ Sse2.LoadVector128(keys);
        for (int r = 1; r < rounds; r++)
        {
            s = AesX86.Encrypt(s, Sse2.LoadVector128(keys + (16 * r)));
        }

        Sse2.Store(block, AesX86.EncryptLast(s, Sse2.LoadVector128(keys + (16 * rounds))));
    }
}
