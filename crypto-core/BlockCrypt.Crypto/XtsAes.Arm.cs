using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using AesArm = System.Runtime.Intrinsics.Arm.Aes;

namespace BlockCrypt.Crypto;

/// <summary>
/// ARMv8 cryptography extension tier (AESE/AESMC, AESD/AESIMC). It compiles on every platform but only runs on ARM64:
/// the x86-64 development machines cannot execute it, so it is kept deliberately simple (one block at a time, tweak
/// doubled in general-purpose registers) and is covered by the tier tests only where <see cref="AesArm.IsSupported"/>.
/// An interleaved 8-block kernel like the x86 one is the obvious next step once ARM64 CI exists.
/// </summary>
public sealed unsafe partial class XtsAes
{
    private static void ArmProcess(
        bool encrypt, KeyMaterial* m, int rounds, byte* src, byte* dst, int unitSize, int count, UInt128 unit)
    {
        byte* keys = encrypt ? m->DataEnc : m->DataDec;
        int blocks = unitSize / BlockSize;
        for (int u = 0; u < count; u++, unit++)
        {
            Vector128<byte> t = ArmEncryptTweak(m->TweakEnc, rounds, unit);
            ulong lo = t.AsUInt64().GetElement(0);
            ulong hi = t.AsUInt64().GetElement(1);
            for (int b = 0; b < blocks; b++)
            {
                Vector128<byte> tv = Vector128.Create(lo, hi).AsByte();
                Vector128<byte> s = AdvSimd.LoadVector128(src) ^ tv;
                s = encrypt ? ArmEncryptBlock(keys, rounds, s) : ArmDecryptBlock(keys, rounds, s);
                AdvSimd.Store(dst, s ^ tv);
                DoubleTweak(ref lo, ref hi);
                src += BlockSize;
                dst += BlockSize;
            }
        }
    }

    private static Vector128<byte> ArmEncryptTweak(byte* tweakKeys, int rounds, UInt128 unit) =>
        ArmEncryptBlock(tweakKeys, rounds, Vector128.Create((ulong)unit, (ulong)(unit >> 64)).AsByte());

    /// <summary>AESE xors the key first, so the schedule is applied as AESE(k0), AESMC, ..., AESE(k[Nr-1]), xor k[Nr].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ArmEncryptBlock(byte* keys, int rounds, Vector128<byte> s)
    {
        for (int r = 0; r < rounds - 1; r++)
        {
            s = AesArm.MixColumns(AesArm.Encrypt(s, AdvSimd.LoadVector128(keys + (16 * r))));
        }

        s = AesArm.Encrypt(s, AdvSimd.LoadVector128(keys + (16 * (rounds - 1))));
        return s ^ AdvSimd.LoadVector128(keys + (16 * rounds));
    }

    /// <summary>Equivalent inverse cipher (FIPS-197 §5.3.5) with the same schedule as AES-NI: AESD, AESIMC, ..., xor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ArmDecryptBlock(byte* keys, int rounds, Vector128<byte> s)
    {
        for (int r = 0; r < rounds - 1; r++)
        {
            s = AesArm.InverseMixColumns(AesArm.Decrypt(s, AdvSimd.LoadVector128(keys + (16 * r))));
        }

        s = AesArm.Decrypt(s, AdvSimd.LoadVector128(keys + (16 * (rounds - 1))));
        return s ^ AdvSimd.LoadVector128(keys + (16 * rounds));
    }

    private static void ArmBlock(bool encrypt, KeyMaterial* m, int rounds, byte* block)
    {
        Vector128<byte> s = AdvSimd.LoadVector128(block);
        s = encrypt ? ArmEncryptBlock(m->DataEnc, rounds, s) : ArmDecryptBlock(m->DataDec, rounds, s);
        AdvSimd.Store(block, s);
    }

    private static void ArmTweakBlock(KeyMaterial* m, int rounds, byte* block) =>
        AdvSimd.Store(block, ArmEncryptBlock(m->TweakEnc, rounds, AdvSimd.LoadVector128(block)));
}
