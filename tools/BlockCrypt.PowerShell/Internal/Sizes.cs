using System.Globalization;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>Parses <c>-Size</c>: bytes (PowerShell's <c>512MB</c> arrives as a number) or text like 512MiB, 1GB, 64M.</summary>
internal static class Sizes
{
    /// <summary>Binary units: K/KB/KiB = 1024 and so on (PowerShell's MB and GB are binary too).</summary>
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        string t = text.Trim();
        int end = t.Length;
        while (end > 0 && char.IsLetter(t[end - 1])) end--;
        string unit = t[end..].ToUpperInvariant();
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0) return false;
        if (!long.TryParse(t[..end].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value)) return false;
        if (value <= 0 || value > long.MaxValue / multiplier) return false;
        bytes = value * multiplier;
        return true;
    }
}
