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
/// loads are not the bottleneck); the eight output whitening values live in a 128-byte stack buffer.
/// </summary>
public sealed unsafe partial class XtsAes
{

    /// <summary>Encrypts <paramref name="count"/> consecutive units, eight blocks in flight.</summary>
    [SkipLocalsInit]
    private static void X86Encrypt<TKey>(byte* keys, byte* tweakKeys, byte* src, byte* dst, int unitSize, int count, UInt128 unit)
        where TKey : struct, IAesRounds
    {
        // tw[i] = T_i ^ K_last: the last round instruction ends with "xor round key", so xoring the tweak into the last round
        // key applies the output whitening for free (IEEE 1619 §5.3.1 step: C = CC xor T). Likewise the input
        // whitening P xor T is merged with round 0's AddRoundKey.
        Vector128<byte>* tw = stackalloc Vector128<byte>[8];
        Vector128<byte> k0 = Sse2.LoadVector128(keys);
        Vector128<byte> kLast = Sse2.LoadVector128(keys + (16 * TKey.Rounds));
        nuint blocks = (nuint)unitSize / BlockSize;
        for (int u = 0; u < count; u++, unit++)
        {
            Vector128<byte> t = X86EncryptTweak<TKey>(tweakKeys, unit);
            nuint remaining = blocks;

            // VAES plug-in point: with Aes.V256 (two blocks per register) this loop would become a 16-block loop
            // over Vector256 with the same structure; the 8-block loop below would then handle the remainder.
            while (remaining >= 8)
            {
                Vector128<byte> k;
                tw[0] = t ^ kLast;
                Vector128<byte> s0 = Sse2.LoadVector128(src + 0) ^ k0 ^ t;
                t = X86Double(t);
                tw[1] = t ^ kLast;
                Vector128<byte> s1 = Sse2.LoadVector128(src + 16) ^ k0 ^ t;
                t = X86Double(t);
                tw[2] = t ^ kLast;
                Vector128<byte> s2 = Sse2.LoadVector128(src + 32) ^ k0 ^ t;
                t = X86Double(t);
                tw[3] = t ^ kLast;
                Vector128<byte> s3 = Sse2.LoadVector128(src + 48) ^ k0 ^ t;
                t = X86Double(t);
                tw[4] = t ^ kLast;
                Vector128<byte> s4 = Sse2.LoadVector128(src + 64) ^ k0 ^ t;
                t = X86Double(t);
                tw[5] = t ^ kLast;
                Vector128<byte> s5 = Sse2.LoadVector128(src + 80) ^ k0 ^ t;
                t = X86Double(t);
                tw[6] = t ^ kLast;
                Vector128<byte> s6 = Sse2.LoadVector128(src + 96) ^ k0 ^ t;
                t = X86Double(t);
                tw[7] = t ^ kLast;
                Vector128<byte> s7 = Sse2.LoadVector128(src + 112) ^ k0 ^ t;
                t = X86Double(t);
                // Rounds 1..9 (common to AES-128 and AES-256), FIPS-197 §5.1; keys are read from pinned native memory
                k = Sse2.LoadVector128(keys + 16);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 32);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 48);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
                k = Sse2.LoadVector128(keys + 64);
                s0 = AesX86.Encrypt(s0, k); s1 = AesX86.Encrypt(s1, k); s2 = AesX86.Encrypt(s2, k); s3 = AesX86.Encrypt(s3, k);
                s4 = AesX86.Encrypt(s4, k); s5 = AesX86.Encrypt(s5, k); s6 = AesX86.Encrypt(s6, k); s7 = AesX86.Encrypt(s7, k);
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
                Sse2.Store(dst + 0, AesX86.EncryptLast(s0, tw[0]));
                Sse2.Store(dst + 16, AesX86.EncryptLast(s1, tw[1]));
                Sse2.Store(dst + 32, AesX86.EncryptLast(s2, tw[2]));
                Sse2.Store(dst + 48, AesX86.EncryptLast(s3, tw[3]));
                Sse2.Store(dst + 64, AesX86.EncryptLast(s4, tw[4]));
                Sse2.Store(dst + 80, AesX86.EncryptLast(s5, tw[5]));
                Sse2.Store(dst + 96, AesX86.EncryptLast(s6, tw[6]));
                Sse2.Store(dst + 112, AesX86.EncryptLast(s7, tw[7]));
                src += 128;
                dst += 128;
                remaining -= 8;
            }

            while (remaining != 0)
            {
                Vector128<byte> s = Sse2.LoadVector128(src) ^ k0 ^ t;
                for (int r = 1; r < TKey.Rounds; r++)
                {
                    s = AesX86.Encrypt(s, Sse2.LoadVector128(keys + (16 * r)));
                }

                Sse2.Store(dst, AesX86.EncryptLast(s, t ^ kLast));
                t = X86Double(t);
                src += 16;
                dst += 16;
                remaining--;
            }
        }

        CryptographicOperations.ZeroMemory(new Span<byte>(tw, 8 * 16));
    }

    /// <summary>Decrypts <paramref name="count"/> consecutive units, eight blocks in flight (equivalent inverse cipher schedule).</summary>
    [SkipLocalsInit]
    private static void X86Decrypt<TKey>(byte* keys, byte* tweakKeys, byte* src, byte* dst, int unitSize, int count, UInt128 unit)
        where TKey : struct, IAesRounds
    {
        // tw[i] = T_i ^ K_last: the last round instruction ends with "xor round key", so xoring the tweak into the last round
        // key applies the output whitening for free (IEEE 1619 §5.3.1 step: C = CC xor T). Likewise the input
        // whitening P xor T is merged with round 0's AddRoundKey.
        Vector128<byte>* tw = stackalloc Vector128<byte>[8];
        Vector128<byte> k0 = Sse2.LoadVector128(keys);
        Vector128<byte> kLast = Sse2.LoadVector128(keys + (16 * TKey.Rounds));
        nuint blocks = (nuint)unitSize / BlockSize;
        for (int u = 0; u < count; u++, unit++)
        {
            Vector128<byte> t = X86EncryptTweak<TKey>(tweakKeys, unit);
            nuint remaining = blocks;

            // VAES plug-in point: with Aes.V256 (two blocks per register) this loop would become a 16-block loop
            // over Vector256 with the same structure; the 8-block loop below would then handle the remainder.
            while (remaining >= 8)
            {
                Vector128<byte> k;
                tw[0] = t ^ kLast;
                Vector128<byte> s0 = Sse2.LoadVector128(src + 0) ^ k0 ^ t;
                t = X86Double(t);
                tw[1] = t ^ kLast;
                Vector128<byte> s1 = Sse2.LoadVector128(src + 16) ^ k0 ^ t;
                t = X86Double(t);
                tw[2] = t ^ kLast;
                Vector128<byte> s2 = Sse2.LoadVector128(src + 32) ^ k0 ^ t;
                t = X86Double(t);
                tw[3] = t ^ kLast;
                Vector128<byte> s3 = Sse2.LoadVector128(src + 48) ^ k0 ^ t;
                t = X86Double(t);
                tw[4] = t ^ kLast;
                Vector128<byte> s4 = Sse2.LoadVector128(src + 64) ^ k0 ^ t;
                t = X86Double(t);
                tw[5] = t ^ kLast;
                Vector128<byte> s5 = Sse2.LoadVector128(src + 80) ^ k0 ^ t;
                t = X86Double(t);
                tw[6] = t ^ kLast;
                Vector128<byte> s6 = Sse2.LoadVector128(src + 96) ^ k0 ^ t;
                t = X86Double(t);
                tw[7] = t ^ kLast;
                Vector128<byte> s7 = Sse2.LoadVector128(src + 112) ^ k0 ^ t;
                t = X86Double(t);
                // Rounds 1..9 (common to AES-128 and AES-256), FIPS-197 §5.1; keys are read from pinned native memory
                k = Sse2.LoadVector128(keys + 16);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 32);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 48);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
                k = Sse2.LoadVector128(keys + 64);
                s0 = AesX86.Decrypt(s0, k); s1 = AesX86.Decrypt(s1, k); s2 = AesX86.Decrypt(s2, k); s3 = AesX86.Decrypt(s3, k);
                s4 = AesX86.Decrypt(s4, k); s5 = AesX86.Decrypt(s5, k); s6 = AesX86.Decrypt(s6, k); s7 = AesX86.Decrypt(s7, k);
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
                Sse2.Store(dst + 0, AesX86.DecryptLast(s0, tw[0]));
                Sse2.Store(dst + 16, AesX86.DecryptLast(s1, tw[1]));
                Sse2.Store(dst + 32, AesX86.DecryptLast(s2, tw[2]));
                Sse2.Store(dst + 48, AesX86.DecryptLast(s3, tw[3]));
                Sse2.Store(dst + 64, AesX86.DecryptLast(s4, tw[4]));
                Sse2.Store(dst + 80, AesX86.DecryptLast(s5, tw[5]));
                Sse2.Store(dst + 96, AesX86.DecryptLast(s6, tw[6]));
                Sse2.Store(dst + 112, AesX86.DecryptLast(s7, tw[7]));
                src += 128;
                dst += 128;
                remaining -= 8;
            }

            while (remaining != 0)
            {
                Vector128<byte> s = Sse2.LoadVector128(src) ^ k0 ^ t;
                for (int r = 1; r < TKey.Rounds; r++)
                {
                    s = AesX86.Decrypt(s, Sse2.LoadVector128(keys + (16 * r)));
                }

                Sse2.Store(dst, AesX86.DecryptLast(s, t ^ kLast));
                t = X86Double(t);
                src += 16;
                dst += 16;
                remaining--;
            }
        }

        CryptographicOperations.ZeroMemory(new Span<byte>(tw, 8 * 16));
    }
}
