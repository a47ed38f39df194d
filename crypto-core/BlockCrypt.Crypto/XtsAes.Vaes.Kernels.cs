using System.Runtime.InteropServices;
using BlockCrypt.Crypto.Native;

namespace BlockCrypt.Crypto;

/// <summary>
/// The VAES kernels: .NET 10 exposes no VAES intrinsics (no <c>Aes.V256</c>), so the four inner loops (AES-128/256 ×
/// encrypt/decrypt) are emitted here as x86-64 machine code, once per process, from the instruction encodings of the
/// Intel SDM (Vol. 2, §2.3 VEX; VAESENC/VAESDEC…, VPXOR, VMOVDQU). Each is a straight loop with no data-dependent
/// branch or address, so it runs in constant time like the AES-NI kernels.
/// </summary>
/// <remarks>
/// <para>Contract (System V AMD64 ABI; only Linux x86-64 uses this tier):
/// <c>kernel(byte* src, byte* dst, byte* tweaks, nint groups, byte* table)</c> processes <c>groups</c> × 16 blocks
/// (eight YMM registers of two blocks each) of one data unit: <c>dst[i] = AES(src[i] ^ T[i]) ^ T[i]</c> (IEEE 1619
/// §5.3.1). <c>tweaks</c> is a 512-byte scratch whose first 256 bytes hold T[0..15] on entry; the kernel derives each
/// next group's tweaks itself, between the AES rounds. <c>table</c> holds 32-byte broadcast round keys 0..Nr and, in
/// entry 15, the reduction constant 0x87 in each lane. <c>src</c> may equal <c>dst</c> (a group is loaded whole before
/// it is stored).</para>
/// <para>Only caller-saved registers are touched (rdi, rsi, rcx, r9, r10, YMM0-10, YMM13-15); the kernel ends with
/// VZEROALL, which also clears the round keys it held (VZEROUPPER would leave their low halves). <c>groups</c> must
/// be at least 1. After an even number of groups the first 256 bytes of <c>tweaks</c> hold the next group's tweaks,
/// so a long unit can be processed in several calls.
/// The code page is written, then made read+execute (never writable and executable at once).</para>
/// </remarks>
public sealed unsafe partial class XtsAes
{
    private static class VaesKernels
    {
        /// <summary>Bytes of the code region: four kernels of about 1.3 KiB each.</summary>
        private const int RegionSize = 16 * 1024;

        private static readonly Lazy<nint> Region = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);
        private static nint _encrypt128;
        private static nint _decrypt128;
        private static nint _encrypt256;
        private static nint _decrypt256;

        /// <summary>Whether the kernels exist (generation can fail, e.g. where the OS forbids executable mappings).</summary>
        public static bool Available => Region.Value != 0;

        /// <summary>The kernel for a key length and direction; only after <see cref="Available"/> returned true.</summary>
        public static delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, byte*, nint, byte*, void> Get(bool encrypt, int rounds) =>
            (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, byte*, nint, byte*, void>)(
                rounds == 14 ? (encrypt ? _encrypt256 : _decrypt256) : (encrypt ? _encrypt128 : _decrypt128));

        /// <summary>Generates the four kernels into one page-aligned region; 0 when that fails (then AES-NI is used).</summary>
        private static nint Generate()
        {
            try
            {
                return GenerateCore();
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
            {
                return 0;
            }
        }

        private static nint GenerateCore()
        {
            var code = new Assembler();
            int e128 = code.Kernel(encrypt: true, rounds: 10);
            int d128 = code.Kernel(encrypt: false, rounds: 10);
            int e256 = code.Kernel(encrypt: true, rounds: 14);
            int d256 = code.Kernel(encrypt: false, rounds: 14);
            byte[] bytes = code.ToArray();
            if (bytes.Length > RegionSize)
            {
                throw new InvalidOperationException("The VAES kernels outgrew their code region.");
            }

            byte* region = (byte*)LibC.Mmap(null, RegionSize, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
            if (region == (byte*)-1)
            {
                return 0;
            }

            bytes.CopyTo(new Span<byte>(region, RegionSize));
            if (LibC.Mprotect(region, RegionSize, LibC.ProtRead | LibC.ProtExec) != 0)
            {
                LibC.Munmap(region, RegionSize);
                return 0;
            }

            _encrypt128 = (nint)(region + e128);
            _decrypt128 = (nint)(region + d128);
            _encrypt256 = (nint)(region + e256);
            _decrypt256 = (nint)(region + d256);
            return (nint)region;
        }
    }

    /// <summary>A minimal x86-64 encoder for exactly the instructions the kernels use (Intel SDM Vol. 2).</summary>
    private sealed class Assembler
    {
        // General registers (ModRM numbers) used by the System V calling convention.
        private const int Rcx = 1;
        private const int Rdx = 2;
        private const int Rsi = 6;
        private const int Rdi = 7;
        private const int R8 = 8;
        private const int R9 = 9;
        private const int R10 = 10;

        // VEX opcode maps (VEX.mmmmm) and implied prefixes (VEX.pp).
        private const int Map0F = 1;
        private const int Map0F38 = 2;
        private const int Map0F3A = 3;
        private const int Pp66 = 1;
        private const int PpF3 = 2;

        // YMM registers: 0-7 hold the sixteen blocks in flight.
        private const int K0 = 8;
        private const int Temp = 9;
        private const int Carry = 10;
        private const int KLast = 13;
        private const int Poly = 14;
        private const int RoundKey = 15;
        private const int Lanes = 8;
        private const int GroupBytes = Lanes * 32;

        /// <summary>Table entry of the reduction constant.</summary>
        public const int PolySlot = 15;

        private readonly List<byte> _code = [];

        public byte[] ToArray() => _code.ToArray();

        /// <summary>Emits one kernel (contract in the class remarks), 64-byte aligned; returns its offset.</summary>
        public int Kernel(bool encrypt, int rounds)
        {
            while (_code.Count % 64 != 0)
            {
                _code.Add(0xCC); // INT3 padding between kernels
            }

            int start = _code.Count;
            byte round = encrypt ? (byte)0xDC : (byte)0xDE;     // VAESENC / VAESDEC ymm, ymm, ymm/m256
            byte last = encrypt ? (byte)0xDD : (byte)0xDF;      // VAESENCLAST / VAESDECLAST
            VmovdquLoad(K0, R8, 0);                               // ymm8  = round key 0 (both lanes)
            VmovdquLoad(KLast, R8, 32 * rounds);                  // ymm13 = last round key
            VmovdquLoad(Poly, R8, 32 * PolySlot);                 // ymm14 = 0x87 in each lane's low qword
            Emit(0x4C, 0x8B, 0xCA);                               // MOV r9, rdx        (current tweaks)
            Emit(0x4C, 0x8D, 0x92);                               // LEA r10, [rdx+256] (next tweaks)
            EmitInt32(GroupBytes);
            int loop = _code.Count;
            for (int j = 0; j < Lanes; j++)
            {
                VexMemory(Map0F, Pp66, 0xEF, j, K0, R9, 32 * j);            // VPXOR ymm_j, ymm8, [r9 + 32j]: T ^ k0
                VexMemory(Map0F, Pp66, 0xEF, j, j, Rdi, 32 * j);            // VPXOR ymm_j, ymm_j, [src + 32j]
            }

            for (int r = 1; r < rounds; r++)
            {
                VmovdquLoad(RoundKey, R8, 32 * r);                           // ymm15 = round key r
                for (int j = 0; j < Lanes; j++)
                {
                    VexRegister(Map0F38, Pp66, round, j, j, RoundKey);     // VAES(ENC|DEC) ymm_j, ymm_j, ymm15
                }

                if (r <= Lanes)
                {
                    NextTweak(r - 1);                                        // overlaps with the AES rounds
                }
            }

            for (int j = 0; j < Lanes; j++)
            {
                VexMemory(Map0F, Pp66, 0xEF, Temp, KLast, R9, 32 * j);       // VPXOR ymm9, ymm13, [r9 + 32j]: T ^ kLast
                VexRegister(Map0F38, Pp66, last, j, j, Temp);               // ...LAST ymm_j, ymm_j, ymm9
            }

            for (int j = 0; j < Lanes; j++)
            {
                VexMemory(Map0F, PpF3, 0x7F, j, 0, Rsi, 32 * j);            // VMOVDQU [dst + 32j], ymm_j
            }

            Emit(0x4D, 0x87, 0xD1);                                         // XCHG r9, r10
            AddImmediate(Rdi, GroupBytes);
            AddImmediate(Rsi, GroupBytes);
            Emit(0x48, 0xFF, 0xC8 | Rcx);                                   // DEC rcx
            Emit(0x0F, 0x85);                                               // JNZ rel32 (back to the loop head)
            EmitInt32(loop - (_code.Count + 4));
            Emit(0xC5, 0xFC, 0x77);                                         // VZEROALL: no round key left behind
            Emit(0xC3);                                                     // RET
            return start;
        }

        /// <summary>
        /// Tweak pair j of the next group: [r10 + 32j] = [r9 + 32j] · α^16 per lane (IEEE 1619 §5.2 sixteen times):
        /// shift each 128-bit lane left by two bytes, and xor in the carry-less product of the 16 bits that fell out
        /// with 0x87 (x^128 = x^7 + x^2 + x + 1).
        /// </summary>
        private void NextTweak(int j)
        {
            VmovdquLoad(Temp, R9, 32 * j);                                   // ymm9 = T pair
            VexRegister(Map0F, Pp66, 0x73, 3, Carry, Temp);                  // VPSRLDQ ymm10, ymm9, 14
            Emit(14);
            VexRegister(Map0F, Pp66, 0x73, 7, Temp, Temp);                   // VPSLLDQ ymm9, ymm9, 2
            Emit(2);
            VexRegister(Map0F3A, Pp66, 0x44, Carry, Carry, Poly);           // VPCLMULQDQ ymm10, ymm10, ymm14, 0
            Emit(0);
            VexRegister(Map0F, Pp66, 0xEF, Temp, Temp, Carry);              // VPXOR ymm9, ymm9, ymm10
            VexMemory(Map0F, PpF3, 0x7F, Temp, 0, R10, 32 * j);             // VMOVDQU [r10 + 32j], ymm9
        }

        private void VmovdquLoad(int register, int baseRegister, int displacement) =>
            VexMemory(Map0F, PpF3, 0x6F, register, 0, baseRegister, displacement);

        /// <summary>A 256-bit VEX instruction: reg = op(vvvv, [base + disp32]) (three-byte VEX, W0, L1).</summary>
        private void VexMemory(int map, int pp, byte opcode, int reg, int vvvv, int baseRegister, int displacement)
        {
            if ((baseRegister & 7) == 4)
            {
                throw new ArgumentOutOfRangeException(nameof(baseRegister), "rsp/r12 need a SIB byte, which this encoder does not emit.");
            }

            Vex(map, pp, reg, vvvv, baseRegister);
            Emit(opcode, (byte)(0x80 | ((reg & 7) << 3) | (baseRegister & 7)));  // ModRM mod=10: [base + disp32]
            EmitInt32(displacement);
        }

        /// <summary>A 256-bit VEX instruction: reg = op(vvvv, rm) with three registers.</summary>
        private void VexRegister(int map, int pp, byte opcode, int reg, int vvvv, int rm)
        {
            Vex(map, pp, reg, vvvv, rm);
            Emit(opcode, (byte)(0xC0 | ((reg & 7) << 3) | (rm & 7)));           // ModRM mod=11
        }

        /// <summary>Three-byte VEX prefix (SDM Vol. 2 §2.3.5): C4, R̄X̄B̄.mmmmm, W.v̄v̄v̄v̄.L.pp with L = 1 (256-bit).</summary>
        private void Vex(int map, int pp, int reg, int vvvv, int rm)
        {
            int rBar = ((reg >> 3) & 1) ^ 1;
            int bBar = ((rm >> 3) & 1) ^ 1;
            Emit(0xC4, (byte)((rBar << 7) | (1 << 6) | (bBar << 5) | map), (byte)(((~vvvv & 0xF) << 3) | (1 << 2) | pp));
        }

        /// <summary>ADD r64, imm32 (REX.W 81 /0) for rax..rdi.</summary>
        private void AddImmediate(int register, int value)
        {
            Emit(0x48, 0x81, (byte)(0xC0 | register));
            EmitInt32(value);
        }

        private void Emit(params ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes)
            {
                _code.Add(b);
            }
        }

        private void EmitInt32(int value)
        {
            Span<byte> le = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(le, value);
            Emit(le);
        }
    }
}
