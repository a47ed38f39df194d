using System.Globalization;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>Parses sizes like <c>64M</c>, <c>1G</c>, <c>512K</c>, <c>1048576</c> (binary units).</summary>
public static class Sizes
{
    /// <summary>Parses <paramref name="text"/> or throws an invalid-argument error naming <paramref name="option"/>.</summary>
    public static long Parse(string text, string option)
    {
        string t = text.Trim();
        long multiplier = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            multiplier = char.ToUpperInvariant(t[^1]) switch
            {
                'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40,
                _ => throw new CliException(ExitCodes.InvalidArgument, $"--{option} '{text}': unknown unit (use K, M, G or T)."),
            };
            t = t[..^1];
        }
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0 || value > long.MaxValue / multiplier)
            throw new CliException(ExitCodes.InvalidArgument, $"--{option} '{text}' is not a valid size.");
        return value * multiplier;
    }

    /// <summary>Parses a positive integer option.</summary>
    public static int ParseInt(string text, string option)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
            throw new CliException(ExitCodes.InvalidArgument, $"--{option} '{text}' is not a positive integer.");
        return value;
    }
}
