using System.Text;

namespace BlockCrypt.FileSystem.Fat32;

/// <summary>
/// VFAT long-name rules, 8.3 short-name generation and the LFN checksum (Microsoft FAT spec, "FAT Long
/// Directory Entries" §7 and "Basis-Name Generation" §7.2; fatgen103 §6 for short names).
/// </summary>
internal static class FatNames
{
    /// <summary>Longest long name in UTF-16 code units (fatgen103 §7: 255).</summary>
    public const int MaxLongName = 255;

    private static readonly string[] Reserved =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    /// <summary>Throws InvalidName / NameTooLong when <paramref name="name"/> cannot be a long name.</summary>
    public static void Validate(string name)
    {
        if (name.Length == 0 || name == "." || name == "..")
            throw new FileSystemException(FileSystemError.InvalidName, $"'{name}' is not a valid file name.");
        if (name.Length > MaxLongName)
            throw new FileSystemException(FileSystemError.NameTooLong, $"A name may have at most {MaxLongName} characters ({name.Length} given).");
        foreach (char c in name)
        {
            // Long-name illegal characters (spec §7.1): control characters and " * / : < > ? \ |
            if (c < 0x20 || c is '"' or '*' or '/' or ':' or '<' or '>' or '?' or '\\' or '|' or '\u007f')
                throw new FileSystemException(FileSystemError.InvalidName, $"'{name}' contains the character U+{(int)c:X4}, which FAT does not allow.");
        }
        char last = name[^1];
        if (last is '.' or ' ')
            throw new FileSystemException(FileSystemError.InvalidName, $"'{name}' ends with a dot or a space, which FAT does not allow.");
        string stem = name;
        int dot = stem.IndexOf('.');
        if (dot >= 0) stem = stem[..dot];
        stem = stem.TrimEnd(' ');
        foreach (string r in Reserved)
        {
            if (string.Equals(stem, r, StringComparison.OrdinalIgnoreCase))
                throw new FileSystemException(FileSystemError.InvalidName, $"'{name}' is a reserved device name.");
        }
    }

    /// <summary>True for characters allowed in a short name as-is (spec §6.1, after upper-casing).</summary>
    private static bool IsShortChar(char c) =>
        c is >= 'A' and <= 'Z' or >= '0' and <= '9' ||
        c is '$' or '%' or '\'' or '-' or '_' or '@' or '~' or '`' or '!' or '(' or ')' or '{' or '}' or '^' or '#' or '&';

    /// <summary>
    /// If <paramref name="name"/> is exactly a valid upper-case 8.3 name, returns its 11-byte form; the
    /// entry then needs no long-name slots.
    /// </summary>
    public static bool TryExactShortName(string name, Span<byte> shortName)
    {
        int dot = name.IndexOf('.');
        string stem = dot < 0 ? name : name[..dot];
        string ext = dot < 0 ? "" : name[(dot + 1)..];
        if (stem.Length is 0 or > 8 || ext.Length > 3 || (dot >= 0 && ext.Length == 0)) return false;
        foreach (char c in stem) if (!IsShortChar(c)) return false;
        foreach (char c in ext) if (!IsShortChar(c)) return false;
        shortName.Fill((byte)' ');
        for (int i = 0; i < stem.Length; i++) shortName[i] = (byte)stem[i];
        for (int i = 0; i < ext.Length; i++) shortName[8 + i] = (byte)ext[i];
        return true;
    }

    /// <summary>
    /// Generates a short name for <paramref name="name"/> that is not in <paramref name="taken"/> (the
    /// directory's short names in 11-char form): the basis name of spec §7.2 with a "~N" numeric tail.
    /// </summary>
    public static void Generate(string name, Func<string, bool> taken, Span<byte> shortName)
    {
        // Basis name: upper-case, drop spaces and leading dots, map other illegal characters to '_'.
        int lastDot = name.LastIndexOf('.');
        string stemSrc = lastDot > 0 ? name[..lastDot] : name;
        string extSrc = lastDot > 0 ? name[(lastDot + 1)..] : "";
        var stem = new StringBuilder(8);
        var ext = new StringBuilder(3);
        foreach (char c in stemSrc.TrimStart('.'))
        {
            if (c is ' ' or '.') continue;
            char u = char.ToUpperInvariant(c);
            if (stem.Length < 8) stem.Append(u < 0x80 && IsShortChar(u) ? u : '_');
        }
        foreach (char c in extSrc)
        {
            if (c is ' ' or '.') continue;
            char u = char.ToUpperInvariant(c);
            if (ext.Length < 3) ext.Append(u < 0x80 && IsShortChar(u) ? u : '_');
        }
        if (stem.Length == 0) stem.Append('_');

        // Spec §7.2: the basis name is used without a numeric tail only when the conversion was lossless
        // (just a change of case) and it is not taken; otherwise "~N" is appended for the first free N.
        string upper = name.ToUpperInvariant();
        Span<byte> exact = stackalloc byte[11];
        if (TryExactShortName(upper, exact))
        {
            string basis = System.Text.Encoding.ASCII.GetString(exact);
            if (!taken(basis))
            {
                exact.CopyTo(shortName);
                return;
            }
        }
        for (int n = 1; n < 1_000_000; n++)
        {
            string tail = "~" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string s = stem.ToString();
            if (s.Length + tail.Length > 8) s = s[..(8 - tail.Length)];
            string candidate = (s + tail).PadRight(8) + ext.ToString().PadRight(3);
            if (!taken(candidate))
            {
                for (int i = 0; i < 11; i++) shortName[i] = (byte)candidate[i];
                return;
            }
        }
        throw new FileSystemException(FileSystemError.NoSpace, $"No free short name is left for '{name}'.");
    }

    /// <summary>The LFN checksum of an 11-byte short name (spec §7, ChkSum).</summary>
    public static byte Checksum(ReadOnlySpan<byte> shortName)
    {
        byte sum = 0;
        for (int i = 0; i < 11; i++) sum = (byte)(((sum & 1) << 7) + (sum >> 1) + shortName[i]);
        return sum;
    }

    /// <summary>The display form of an 11-byte short name ("README.TXT"), honouring the NT lower-case flags.</summary>
    public static string ShortToDisplay(ReadOnlySpan<byte> shortName, byte ntFlags)
    {
        Span<char> buf = stackalloc char[12];
        int n = 0;
        int stemEnd = 8;
        while (stemEnd > 0 && shortName[stemEnd - 1] == ' ') stemEnd--;
        int extEnd = 11;
        while (extEnd > 8 && shortName[extEnd - 1] == ' ') extEnd--;
        for (int i = 0; i < stemEnd; i++)
        {
            char c = (char)(i == 0 && shortName[0] == 0x05 ? 0xE5 : shortName[i]);
            buf[n++] = (ntFlags & 0x08) != 0 ? char.ToLowerInvariant(c) : c;
        }
        if (extEnd > 8)
        {
            buf[n++] = '.';
            for (int i = 8; i < extEnd; i++)
                buf[n++] = (ntFlags & 0x10) != 0 ? char.ToLowerInvariant((char)shortName[i]) : (char)shortName[i];
        }
        return new string(buf[..n]);
    }

    /// <summary>Number of LFN slots a long name needs (13 UTF-16 units each).</summary>
    public static int LongSlots(string name) => (name.Length + 12) / 13;

    /// <summary>Writes the LFN slots for <paramref name="name"/> (in on-disk order, highest ordinal first).</summary>
    public static void WriteLongSlots(string name, byte checksum, Span<byte> slots)
    {
        int count = LongSlots(name);
        for (int k = 0; k < count; k++)
        {
            int ord = count - k; // physical slot k holds ordinal count-k
            Span<byte> e = slots.Slice(k * 32, 32);
            e.Clear();
            e[0] = (byte)(ord | (k == 0 ? 0x40 : 0));
            e[11] = 0x0F;
            e[13] = checksum;
            int start = (ord - 1) * 13;
            for (int j = 0; j < 13; j++)
            {
                int idx = start + j;
                ushort ch = idx < name.Length ? name[idx] : idx == name.Length ? (ushort)0 : (ushort)0xFFFF;
                int off = j < 5 ? 1 + j * 2 : j < 11 ? 14 + (j - 5) * 2 : 28 + (j - 11) * 2;
                e[off] = (byte)ch;
                e[off + 1] = (byte)(ch >> 8);
            }
        }
    }

    /// <summary>Reads the 13 characters of one LFN slot into <paramref name="dest"/>.</summary>
    public static void ReadLongSlot(ReadOnlySpan<byte> e, Span<char> dest)
    {
        for (int j = 0; j < 13; j++)
        {
            int off = j < 5 ? 1 + j * 2 : j < 11 ? 14 + (j - 5) * 2 : 28 + (j - 11) * 2;
            dest[j] = (char)(e[off] | (e[off + 1] << 8));
        }
    }
}
