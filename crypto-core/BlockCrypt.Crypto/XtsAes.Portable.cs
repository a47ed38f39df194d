using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using BclAes = System.Security.Cryptography.Aes;

namespace BlockCrypt.Crypto;

/// <summary>
/// Portable tier on the BCL's <see cref="BclAes"/> (OpenSSL/CNG underneath): for each sector the tweak mask
/// T_j = T·α^j is xored in, the whole sector goes through ONE ECB call in place, and the mask is xored out again
/// (IEEE 1619 §5.3.1 with the block cipher batched). The encrypted tweaks of up to 32 sectors are produced by one
/// more ECB call with Key2. No per-request heap allocation.
/// </summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>T·α in GF(2^128) on two little-endian 64-bit halves (IEEE 1619 §5.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DoubleTweak(ref ulong lo, ref ulong hi)
    {
        ulong reduce = (ulong)((long)hi >> 63) & 0x87;
        hi = (hi << 1) | (lo >> 63);
        lo = (lo << 1) ^ reduce;
    }

    /// <summary>dst[i] = src[i] xor T·α^i for every block of the unit.</summary>
    private static void XorMask(byte* src, byte* dst, int length, ulong lo, ulong hi)
    {
        for (int i = 0; i < length; i += BlockSize)
        {
            Unsafe.WriteUnaligned(dst + i, Unsafe.ReadUnaligned<ulong>(src + i) ^ lo);
            Unsafe.WriteUnaligned(dst + i + 8, Unsafe.ReadUnaligned<ulong>(src + i + 8) ^ hi);
            DoubleTweak(ref lo, ref hi);
        }
    }

    /// <summary>Per-thread BCL AES instances (a <see cref="BclAes"/> object is not safe for concurrent use).</summary>
    private sealed class PortableCipher : IDisposable
    {
        private const int TweakBatch = 32;
        private readonly byte* _key;
        private readonly int _half;
        private readonly ThreadLocal<Pair> _instances;

        public PortableCipher(byte* key, int half)
        {
            _key = key;
            _half = half;
            _instances = new ThreadLocal<Pair>(CreatePair, trackAllValues: true);
        }

        public void Process(bool encrypt, byte* src, byte* dst, int unitSize, int count, UInt128 firstUnit)
        {
            Pair pair = _instances.Value!;
            Span<byte> tweaks = stackalloc byte[TweakBatch * BlockSize];
            try
            {
                for (int done = 0; done < count; done += TweakBatch)
                {
                    int n = Math.Min(TweakBatch, count - done);
                    Span<byte> batch = tweaks[..(n * BlockSize)];
                    for (int j = 0; j < n; j++)
                    {
                        BinaryPrimitives.WriteUInt128LittleEndian(batch.Slice(j * BlockSize), firstUnit + (UInt128)(done + j));
                    }

                    pair.Tweak.EncryptEcb(batch, batch, PaddingMode.None);
                    for (int j = 0; j < n; j++)
                    {
                        nint offset = (nint)(done + j) * unitSize;
                        ulong lo = BinaryPrimitives.ReadUInt64LittleEndian(batch.Slice(j * BlockSize));
                        ulong hi = BinaryPrimitives.ReadUInt64LittleEndian(batch.Slice((j * BlockSize) + 8));
                        XorMask(src + offset, dst + offset, unitSize, lo, hi);
                        var unit = new Span<byte>(dst + offset, unitSize);
                        if (encrypt)
                        {
                            pair.Data.EncryptEcb(unit, unit, PaddingMode.None);
                        }
                        else
                        {
                            pair.Data.DecryptEcb(unit, unit, PaddingMode.None);
                        }

                        XorMask(dst + offset, dst + offset, unitSize, lo, hi);
                    }
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(tweaks);
            }
        }

        /// <summary>One raw block with Key1 (or Key2 when <paramref name="tweakKey"/>), in place.</summary>
        public void Block(bool encrypt, bool tweakKey, Span<byte> block)
        {
            Pair pair = _instances.Value!;
            BclAes aes = tweakKey ? pair.Tweak : pair.Data;
            if (encrypt)
            {
                aes.EncryptEcb(block, block, PaddingMode.None);
            }
            else
            {
                aes.DecryptEcb(block, block, PaddingMode.None);
            }
        }

        public void Dispose()
        {
            foreach (Pair pair in _instances.Values)
            {
                pair.Data.Dispose();
                pair.Tweak.Dispose();
            }

            _instances.Dispose();
        }

        private Pair CreatePair()
        {
            BclAes data = BclAes.Create();
            BclAes tweak = BclAes.Create();
            // SetKey copies into the BCL object's own buffer; Dispose above clears it (BCL behaviour, not ours).
            data.SetKey(new ReadOnlySpan<byte>(_key, _half));
            tweak.SetKey(new ReadOnlySpan<byte>(_key + _half, _half));
            return new Pair(data, tweak);
        }

        private sealed record Pair(BclAes Data, BclAes Tweak);
    }
}
