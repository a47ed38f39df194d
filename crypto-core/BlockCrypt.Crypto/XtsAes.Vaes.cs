using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using AesX86 = System.Runtime.Intrinsics.X86.Aes;

namespace BlockCrypt.Crypto;

/// <summary>
/// VAES tier (x86-64 Linux, CPUs with VAES + VPCLMULQDQ + AVX2, e.g. AMD Zen 3+, Intel Ice Lake+): two blocks per YMM
/// register, sixteen in flight. Each unit's first sixteen tweaks are computed here; the AES rounds and later tweaks
/// (each YMM pair times α^16: a lane byte-shift and one carry-less multiply) run in the generated kernels of
/// <c>XtsAes.Vaes.Kernels.cs</c>. Units whose size is not a multiple of 256 bytes (16 blocks)
/// go to the AES-NI kernels; so do the single blocks of ciphertext stealing.
/// </summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>Blocks per kernel iteration (eight YMM registers).</summary>
    private const int VaesGroupBlocks = 16;

    /// <summary>Most groups per kernel call (64 KiB); even, see the kernels' contract.</summary>
    private const int VaesGroupsPerCall = 256;

    private static readonly Lazy<bool> VaesUsable = new(ProbeVaes, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>CPU, OS and runtime support for the VAES tier; honours DOTNET_EnableAVX2=0 and DOTNET_EnableAES=0.</summary>
    private static bool VaesSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && AesX86.IsSupported && Avx2.IsSupported && Pclmulqdq.V256.IsSupported && VaesUsable.Value;

    private static bool ProbeVaes()
    {
        if (!X86Base.IsSupported)
        {
            return false;
        }

        // CPUID.(EAX=7, ECX=0):ECX bit 9 = VAES (Intel SDM Vol. 2, CPUID). Kernel generation never throws: when it
        // fails, this tier is simply unsupported and Auto picks AES-NI.
        (_, _, int ecx, _) = X86Base.CpuId(7, 0);
        return (ecx & (1 << 9)) != 0 && VaesKernels.Available && VaesSelfTest();
    }

    /// <summary>
    /// Start-up known-answer check of the generated code (like a FIPS power-on self-test): two 512-byte units with a
    /// fixed AES-256 key and AES-128 key, encrypted and decrypted by the VAES kernels, must match the AES-NI kernels
    /// byte for byte (those are checked against IEEE 1619 and OpenSSL by the test suite). On a mismatch, from a CPU or
    /// OS that does not run the code as the SDM says, the tier is not used.
    /// </summary>
    private static bool VaesSelfTest()
    {
        using var material = new KeyMaterialHandle(); // zeroed again and freed on dispose
        var m = (KeyMaterial*)material.DangerousGetHandle();
        Span<byte> plain = stackalloc byte[1024];
        Span<byte> viaAesNi = stackalloc byte[1024];
        Span<byte> viaVaes = stackalloc byte[1024];
        Span<byte> keys = stackalloc byte[64];
        for (int i = 0; i < plain.Length; i++)
        {
            plain[i] = (byte)((i * 29) + 7);
        }

        bool ok = true;
        fixed (byte* source = plain, aesNi = viaAesNi, vaes = viaVaes)
        {
            foreach (int keySize in (ReadOnlySpan<int>)[64, 32])
            {
                Span<byte> key = keys[..keySize];
                for (int i = 0; i < key.Length; i++)
                {
                    key[i] = (byte)((i * 73) + (keySize / 2));
                }

                ExpandHardwareKeys(m, key, vaesTables: true);
                int rounds = keySize == 32 ? 10 : 14;
                UInt128 unit = ulong.MaxValue; // the second unit carries into the tweak's high half
                foreach (bool encrypt in (ReadOnlySpan<bool>)[true, false])
                {
                    X86TierProcess(vaes: false, rounds, encrypt, m, source, aesNi, 512, 2, unit);
                    X86TierProcess(vaes: true, rounds, encrypt, m, source, vaes, 512, 2, unit);
                    ok &= viaAesNi.SequenceEqual(viaVaes);
                }
            }
        }

        return ok;
    }

    /// <summary>Fills the broadcast round-key tables the kernels read (see the kernels' contract).</summary>
    private static void VaesPrepareTables(KeyMaterial* m, int rounds)
    {
        VaesTable(m->DataEnc, m->VaesEnc, rounds);
        VaesTable(m->DataDec, m->VaesDec, rounds);
    }

    private static void VaesTable(byte* keys, byte* table, int rounds)
    {
        for (int r = 0; r <= rounds; r++)
        {
            Vector128<byte> k = Sse2.LoadVector128(keys + (16 * r));
            Avx.Store(table + (32 * r), Vector256.Create(k, k));
        }

        Avx.Store(table + (32 * Assembler.PolySlot), Vector256.Create(0x87UL, 0, 0x87UL, 0).AsByte());
    }

    /// <summary>
    /// Per unit: T0 = AES-enc(Key2, unit) and T1..T15 by doubling, here; the kernel takes the unit from there and derives
    /// every later group of sixteen tweaks itself. Units that are not whole groups go to the AES-NI kernels.
    /// </summary>
    [SkipLocalsInit]
    private static void VaesProcess<TKey>(
        bool encrypt, KeyMaterial* m, byte* src, byte* dst, int unitSize, int count, UInt128 unit)
        where TKey : struct, IAesRounds
    {
        if (unitSize % (VaesGroupBlocks * BlockSize) != 0)
        {
            X86Process<TKey>(encrypt, m, src, dst, unitSize, count, unit);
            return;
        }

        var kernel = VaesKernels.Get(encrypt, TKey.Rounds);
        byte* table = encrypt ? m->VaesEnc : m->VaesDec;
        int groups = unitSize / (VaesGroupBlocks * BlockSize); // >= 1: the unit is a nonzero multiple of 256 bytes
        Vector256<byte>* tweaks = stackalloc Vector256<byte>[VaesGroupBlocks];
        for (int u = 0; u < count; u++, unit++)
        {
            Vector128<byte> t = X86EncryptTweak<TKey>(m->TweakEnc, unit);
            for (int i = 0; i < VaesGroupBlocks / 2; i++)
            {
                Vector128<byte> next = X86Double(t);
                tweaks[i] = Vector256.Create(t, next);
                t = X86Double(next);
            }

            // The kernel runs without a GC transition, so the GC cannot suspend this thread inside it: calls are kept to
            // 64 KiB (about 7 µs). An even group count leaves the next tweaks where the next call expects them.
            for (int left = groups; left > 0;)
            {
                int n = Math.Min(left, VaesGroupsPerCall);
                kernel(src, dst, (byte*)tweaks, n, table);
                src += n * VaesGroupBlocks * BlockSize;
                dst += n * VaesGroupBlocks * BlockSize;
                left -= n;
            }
        }

        // Tweaks are not keys, but they are derived from Key2: clear them like the AES-NI kernels clear theirs.
        CryptographicOperations.ZeroMemory(new Span<byte>(tweaks, VaesGroupBlocks * 32));
    }
}
