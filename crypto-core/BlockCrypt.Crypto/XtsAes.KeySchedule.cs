using System.Security.Cryptography;

namespace BlockCrypt.Crypto;

/// <summary>AES key expansion for the hardware tiers, written from FIPS-197 (not hot: runs once per engine).</summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>The AES S-box, computed once from its definition (FIPS-197 §5.1.1: inverse in GF(2^8), then the affine map).</summary>
    private static readonly byte[] SBox = BuildSBox();

    /// <summary>
    /// Expands a 16- or 32-byte AES key into Nr + 1 round keys (FIPS-197 §5.2) at <paramref name="enc"/> and, when
    /// <paramref name="dec"/> is not null, the equivalent inverse cipher schedule (FIPS-197 §5.3.5) at <paramref name="dec"/>:
    /// dec[0] = enc[Nr], dec[r] = InvMixColumns(enc[Nr - r]) for 0 &lt; r &lt; Nr, dec[Nr] = enc[0]. AES-NI's AESDEC and
    /// ARMv8's AESD+AESIMC sequence both consume this schedule.
    /// </summary>
    private static void ExpandKey(ReadOnlySpan<byte> key, byte* enc, byte* dec)
    {
        int nk = key.Length / 4;
        int rounds = nk + 6;
        int words = 4 * (rounds + 1);
        key.CopyTo(new Span<byte>(enc, key.Length));
        byte rcon = 1;
        Span<byte> temp = stackalloc byte[4];
        for (int i = nk; i < words; i++)
        {
            byte* prev = enc + (4 * (i - 1));
            temp[0] = prev[0];
            temp[1] = prev[1];
            temp[2] = prev[2];
            temp[3] = prev[3];
            if (i % nk == 0)
            {
                // RotWord, SubWord, Rcon (FIPS-197 §5.2).
                byte t0 = temp[0];
                temp[0] = (byte)(SBox[temp[1]] ^ rcon);
                temp[1] = SBox[temp[2]];
                temp[2] = SBox[temp[3]];
                temp[3] = SBox[t0];
                rcon = XTime(rcon);
            }
            else if (nk > 6 && i % nk == 4)
            {
                for (int j = 0; j < 4; j++)
                {
                    temp[j] = SBox[temp[j]];
                }
            }

            byte* back = enc + (4 * (i - nk));
            byte* w = enc + (4 * i);
            for (int j = 0; j < 4; j++)
            {
                w[j] = (byte)(back[j] ^ temp[j]);
            }
        }

        CryptographicOperations.ZeroMemory(temp);
        if (dec == null)
        {
            return;
        }

        new ReadOnlySpan<byte>(enc + (16 * rounds), 16).CopyTo(new Span<byte>(dec, 16));
        new ReadOnlySpan<byte>(enc, 16).CopyTo(new Span<byte>(dec + (16 * rounds), 16));
        for (int r = 1; r < rounds; r++)
        {
            InvMixColumns(enc + (16 * (rounds - r)), dec + (16 * r));
        }
    }

    /// <summary>InvMixColumns of one 16-byte state (FIPS-197 §5.3.3), column by column.</summary>
    private static void InvMixColumns(byte* s, byte* d)
    {
        for (int c = 0; c < 16; c += 4)
        {
            byte a0 = s[c], a1 = s[c + 1], a2 = s[c + 2], a3 = s[c + 3];
            d[c] = (byte)(Mul(a0, 14) ^ Mul(a1, 11) ^ Mul(a2, 13) ^ Mul(a3, 9));
            d[c + 1] = (byte)(Mul(a0, 9) ^ Mul(a1, 14) ^ Mul(a2, 11) ^ Mul(a3, 13));
            d[c + 2] = (byte)(Mul(a0, 13) ^ Mul(a1, 9) ^ Mul(a2, 14) ^ Mul(a3, 11));
            d[c + 3] = (byte)(Mul(a0, 11) ^ Mul(a1, 13) ^ Mul(a2, 9) ^ Mul(a3, 14));
        }
    }

    /// <summary>Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 §4.2.1).</summary>
    private static byte XTime(byte b) => (byte)((b << 1) ^ ((b & 0x80) != 0 ? 0x1B : 0));

    /// <summary>Multiplication in GF(2^8) (FIPS-197 §4.2).</summary>
    private static byte Mul(byte a, byte b)
    {
        byte result = 0;
        while (b != 0)
        {
            if ((b & 1) != 0)
            {
                result ^= a;
            }

            a = XTime(a);
            b >>= 1;
        }

        return result;
    }

    private static byte[] BuildSBox()
    {
        var box = new byte[256];
        for (int x = 0; x < 256; x++)
        {
            // Multiplicative inverse as x^254 (0 maps to 0), then the affine transformation of FIPS-197 §5.1.1.
            byte inv = 1;
            byte power = (byte)x;
            for (int e = 254; e != 0; e >>= 1)
            {
                if ((e & 1) != 0)
                {
                    inv = Mul(inv, power);
                }

                power = Mul(power, power);
            }

            if (x == 0)
            {
                inv = 0;
            }

            int b = inv;
            int s = b ^ Rotl(b, 1) ^ Rotl(b, 2) ^ Rotl(b, 3) ^ Rotl(b, 4) ^ 0x63;
            box[x] = (byte)s;
        }

        return box;

        static int Rotl(int v, int n) => ((v << n) | (v >> (8 - n))) & 0xFF;
    }
}
