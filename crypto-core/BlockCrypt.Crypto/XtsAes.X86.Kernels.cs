using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using AesX86 = System.Runtime.Intrinsics.X86.Aes;

namespace BlockCrypt.Crypto;

/// <summary>
/// AES-NI kernels (Intel AES-NI white paper; IEEE 1619-2018 §5.3). Eight independent blocks are in flight so both
/// AES pipelines stay busy (latency ≈ 4 cycles × 2 units); rounds are fully unrolled per key length (10 or 14) by
/// generic specialisation on <see cref="IAesRounds"/>; the tweak chain stays in a register and each doubling is five
/// register-only SSE2 ops. With 16 XMM registers (no AVX-512 here), eight states + k0 + kLast + the tweak + temporaries
/// fill the register file, so round keys are reloaded from pinned native memory as instruction operands (L1 hits,
/// loads are not the bottleneck); the tweaks of the current and the next batch live in two 128-byte stack buffers.
/// Measured against OpenSSL 3.0's aesni_xts (6 blocks in flight) on the 2-core EPYC dev machines: see the benchmarks.
/// </summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>Encrypts <paramref name="count"/> consecutive units, eight blocks in flight.</summary>
    [SkipLocalsInit]
    private static void X86Encrypt<TKey>(byte* keys, byte* tweakKeys, byte* src, byte* dst, int unitSize, int count, UInt128 unit)
        where TKey : struct, IAesRounds
    {
        // Whitening folded into the round keys (IEEE 1619 §5.3.1: C = E(P xor T) xor T): each block starts as
        // P xor (T xor kLast) xor (k0 xor kLast) = P xor T xor k0, which is round 0's AddRoundKey, and the last round
        // instruction, which ends with "xor round key", is given T xor kLast as its key. The values T_i xor kLast of a
        // batch live in a 128-byte stack buffer; the NEXT batch's tweaks are doubled into a second buffer between the
        // first rounds of the current batch, so the doubling chain overlaps with AES work instead of stalling it.
        Vector128<byte>* buffers = stackalloc Vector128<byte>[16];
        Vector128<byte> kLast = Sse2.LoadVector128(keys + (16 * TKey.Rounds));
        Vector128<byte> kx = Sse2.LoadVector128(keys) ^ kLast;
        nuint blocks = (nuint)unitSize / BlockSize;
        for (int u = 0; u < count; u++, unit++)
        {
            Vector128<byte>* cur = buffers;
            Vector128<byte>* next = buffers + 8;
            Vector128<byte> t = X86EncryptTweak<TKey>(tweakKeys, unit);
            for (int i = 0; i < 8; i++)
            {
                cur[i] = t ^ kLast;
                t = X86Double(t);
            }

            nuint remaining = blocks;

            while (remaining >= 8)
            {
                Vector128<byte> k;
                Vector128<byte> s0 = Sse2.LoadVector128(src + 0) ^ kx ^ cur[0];
                Vector128<byte> s1 = Sse2.LoadVector128(src + 16) ^ kx ^ cur[1];
                Vector128<byte> s2 = Sse2.LoadVector128(src + 32) ^ kx ^ cur[2];
                Vector128<byte> s3 = Sse2.LoadVector128(src + 48) ^ kx ^ cur[3];
                Vector128<byte> s4 = Sse2.LoadVector128(src + 64) ^ kx ^ cur[4];
                Vector128<byte> s5 = Sse2.LoadVector128(src + 80) ^ kx ^ cur[5];
                Vector128<byte> s6 = Sse2.LoadVector128(src + 96) ^ kx ^ cur[6];
                Vector128<byte> s7 = Sse2.LoadVector128(src + 112) ^ kx ^ cur[7];
                k = Sse2.LoadVector128(keys + 16);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                next[0] = t ^ kLast; t = X86Double(t); next[1] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 32);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                next[2] = t ^ kLast; t = X86Double(t); next[3] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 48);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                next[4] = t ^ kLast; t = X86Double(t); next[5] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 64);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                next[6] = t ^ kLast; t = X86Double(t); next[7] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 80);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 96);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 112);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 128);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 144);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                if (TKey.Rounds == 14)
                {
                    k = Sse2.LoadVector128(keys + 160);
                    s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                    s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                    k = Sse2.LoadVector128(keys + 176);
                    s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                    s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                    k = Sse2.LoadVector128(keys + 192);
                    s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                    s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                    k = Sse2.LoadVector128(keys + 208);
                    s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                    s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                }

                Sse2.Store(dst + 0, AesX86.EncryptLast(s0, cur[0]));
                Sse2.Store(dst + 16, AesX86.EncryptLast(s1, cur[1]));
                Sse2.Store(dst + 32, AesX86.EncryptLast(s2, cur[2]));
                Sse2.Store(dst + 48, AesX86.EncryptLast(s3, cur[3]));
                Sse2.Store(dst + 64, AesX86.EncryptLast(s4, cur[4]));
                Sse2.Store(dst + 80, AesX86.EncryptLast(s5, cur[5]));
                Sse2.Store(dst + 96, AesX86.EncryptLast(s6, cur[6]));
                Sse2.Store(dst + 112, AesX86.EncryptLast(s7, cur[7]));

                Vector128<byte>* swap = cur;
                cur = next;
                next = swap;
                src += 128;
                dst += 128;
                remaining -= 8;
            }

            // Fewer than eight blocks left: cur[0..remaining) already holds their tweaks (xor kLast).
            for (nuint i = 0; i < remaining; i++)
            {
                Vector128<byte> s = Sse2.LoadVector128(src) ^ kx ^ cur[i];
                for (int r = 1; r < TKey.Rounds; r++)
                {
                    s = AesX86.Encrypt(s, Sse2.LoadVector128(keys + (16 * r)));
                }

                Sse2.Store(dst, AesX86.EncryptLast(s, cur[i]));
                src += 16;
                dst += 16;
            }
        }

        CryptographicOperations.ZeroMemory(new Span<byte>(buffers, 16 * 16));
    }

    /// <summary>Decrypts <paramref name="count"/> consecutive units, eight blocks in flight (equivalent inverse cipher schedule).</summary>
    [SkipLocalsInit]
    private static void X86Decrypt<TKey>(byte* keys, byte* tweakKeys, byte* src, byte* dst, int unitSize, int count, UInt128 unit)
        where TKey : struct, IAesRounds
    {
        // Whitening folded into the round keys (IEEE 1619 §5.3.1: C = E(P xor T) xor T): each block starts as
        // P xor (T xor kLast) xor (k0 xor kLast) = P xor T xor k0, which is round 0's AddRoundKey, and the last round
        // instruction, which ends with "xor round key", is given T xor kLast as its key. The values T_i xor kLast of a
        // batch live in a 128-byte stack buffer; the NEXT batch's tweaks are doubled into a second buffer between the
        // first rounds of the current batch, so the doubling chain overlaps with AES work instead of stalling it.
        Vector128<byte>* buffers = stackalloc Vector128<byte>[16];
        Vector128<byte> kLast = Sse2.LoadVector128(keys + (16 * TKey.Rounds));
        Vector128<byte> kx = Sse2.LoadVector128(keys) ^ kLast;
        nuint blocks = (nuint)unitSize / BlockSize;
        for (int u = 0; u < count; u++, unit++)
        {
            Vector128<byte>* cur = buffers;
            Vector128<byte>* next = buffers + 8;
            Vector128<byte> t = X86EncryptTweak<TKey>(tweakKeys, unit);
            for (int i = 0; i < 8; i++)
            {
                cur[i] = t ^ kLast;
                t = X86Double(t);
            }

            nuint remaining = blocks;

            while (remaining >= 8)
            {
                Vector128<byte> k;
                Vector128<byte> s0 = Sse2.LoadVector128(src + 0) ^ kx ^ cur[0];
                Vector128<byte> s1 = Sse2.LoadVector128(src + 16) ^ kx ^ cur[1];
                Vector128<byte> s2 = Sse2.LoadVector128(src + 32) ^ kx ^ cur[2];
                Vector128<byte> s3 = Sse2.LoadVector128(src + 48) ^ kx ^ cur[3];
                Vector128<byte> s4 = Sse2.LoadVector128(src + 64) ^ kx ^ cur[4];
                Vector128<byte> s5 = Sse2.LoadVector128(src + 80) ^ kx ^ cur[5];
                Vector128<byte> s6 = Sse2.LoadVector128(src + 96) ^ kx ^ cur[6];
                Vector128<byte> s7 = Sse2.LoadVector128(src + 112) ^ kx ^ cur[7];
                k = Sse2.LoadVector128(keys + 16);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                next[0] = t ^ kLast; t = X86Double(t); next[1] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 32);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                next[2] = t ^ kLast; t = X86Double(t); next[3] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 48);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                next[4] = t ^ kLast; t = X86Double(t); next[5] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 64);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                next[6] = t ^ kLast; t = X86Double(t); next[7] = t ^ kLast; t = X86Double(t);
                k = Sse2.LoadVector128(keys + 80);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 96);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 112);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 128);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 144);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                if (TKey.Rounds == 14)
                {
                    k = Sse2.LoadVector128(keys + 160);
                    s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                    s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                    k = Sse2.LoadVector128(keys + 176);
                    s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                    s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                    k = Sse2.LoadVector128(keys + 192);
                    s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                    s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                    k = Sse2.LoadVector128(keys + 208);
                    s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                    s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                }

                Sse2.Store(dst + 0, AesX86.DecryptLast(s0, cur[0]));
                Sse2.Store(dst + 16, AesX86.DecryptLast(s1, cur[1]));
                Sse2.Store(dst + 32, AesX86.DecryptLast(s2, cur[2]));
                Sse2.Store(dst + 48, AesX86.DecryptLast(s3, cur[3]));
                Sse2.Store(dst + 64, AesX86.DecryptLast(s4, cur[4]));
                Sse2.Store(dst + 80, AesX86.DecryptLast(s5, cur[5]));
                Sse2.Store(dst + 96, AesX86.DecryptLast(s6, cur[6]));
                Sse2.Store(dst + 112, AesX86.DecryptLast(s7, cur[7]));

                Vector128<byte>* swap = cur;
                cur = next;
                next = swap;
                src += 128;
                dst += 128;
                remaining -= 8;
            }

            // Fewer than eight blocks left: cur[0..remaining) already holds their tweaks (xor kLast).
            for (nuint i = 0; i < remaining; i++)
            {
                Vector128<byte> s = Sse2.LoadVector128(src) ^ kx ^ cur[i];
                for (int r = 1; r < TKey.Rounds; r++)
                {
                    s = AesX86.Decrypt(s, Sse2.LoadVector128(keys + (16 * r)));
                }

                Sse2.Store(dst, AesX86.DecryptLast(s, cur[i]));
                src += 16;
                dst += 16;
            }
        }

        CryptographicOperations.ZeroMemory(new Span<byte>(buffers, 16 * 16));
    }
}
