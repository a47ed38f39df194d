using System.Globalization;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>Parses <c>-Size</c>: bytes or text like 512MiB, 1.5GB, 64M (PowerShell passes <c>512MB</c> to a string parameter as typed).</summary>
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
        // Decimals too (1.5GiB, PowerShell's 1.5GB), as long as they come to a whole number of bytes.
        if (!decimal.TryParse(t[..end].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value)) return false;
        if (value <= 0 || value > long.MaxValue / multiplier) return false;
        decimal total = value * multiplier;
        if (total != decimal.Truncate(total)) return false;
        bytes = (long)total;
        return true;
    }
}
