using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// BitLocker-format recovery passwords: 48 digits in 8 groups of 6; each group is 11 × a 16-bit value (so it is a
/// multiple of 11 below 720896), 128 bits in all. The multiple-of-11 rule catches most single-digit typos per group.
/// </summary>
public static class RecoveryPassword
{
    /// <summary>Bytes of key a recovery password carries.</summary>
    public const int KeyLength = 16;

    private const int Groups = 8;
    private const int GroupDigits = 6;
    private const int Limit = 65536 * 11; // 720896

    /// <summary>Encodes a 16-byte key (group i = 11 × little-endian u16 at byte 2i).</summary>
    public static string Format(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength) throw new ArgumentException($"A recovery key is {KeyLength} bytes.", nameof(key));
        var sb = new StringBuilder(Groups * (GroupDigits + 1));
        for (int i = 0; i < Groups; i++)
        {
            if (i > 0) sb.Append('-');
            int value = BinaryPrimitives.ReadUInt16LittleEndian(key[(2 * i)..]) * 11;
            sb.Append(value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Generates a random key into <paramref name="key"/> and returns its password.</summary>
    public static string Generate(Span<byte> key)
    {
        RandomNumberGenerator.Fill(key);
        return Format(key);
    }

    /// <summary>
    /// Parses a password, tolerating dashes, spaces and no separators at all, into the 16-byte key.
    /// </summary>
    /// <exception cref="VolumeException"><see cref="VolumeErrorCode.InvalidRecoveryPassword"/>, naming the wrong group (1-based).</exception>
    public static void Parse(string text, Span<byte> key)
    {
        if (key.Length != KeyLength) throw new ArgumentException($"A recovery key is {KeyLength} bytes.", nameof(key));
        Span<int> digits = stackalloc int[Groups * GroupDigits];
        int count = 0;
        foreach (char c in text)
        {
            if (c is '-' or ' ' or '\t' or '\r' or '\n') continue;
            if (c is < '0' or > '9')
                throw Bad("A recovery password contains only digits, dashes and spaces.");
            if (count == digits.Length) throw Bad("A recovery password has 48 digits; this one has more.");
            digits[count++] = c - '0';
        }
        if (count != digits.Length) throw Bad($"A recovery password has 48 digits (8 groups of 6); this one has {count}.");
        for (int g = 0; g < Groups; g++)
        {
            int value = 0;
            for (int d = 0; d < GroupDigits; d++) value = value * 10 + digits[g * GroupDigits + d];
            if (value % 11 != 0 || value >= Limit)
            {
                key.Clear();
                throw Bad($"Group {g + 1} of the recovery password ({value:D6}) is mistyped: each group is a multiple of 11 below 720896.");
            }
            BinaryPrimitives.WriteUInt16LittleEndian(key[(2 * g)..], (ushort)(value / 11));
        }
        digits.Clear();
    }

    private static VolumeException Bad(string message) => new(VolumeErrorCode.InvalidRecoveryPassword, message);
}
