namespace BlockCrypt.Mount.Core;

/// <summary>Path handling shared by the adapters: FUSE hands "/a/b", Dokan "\a\b"; the filesystem takes "/a/b".</summary>
public static class MountPath
{
    /// <summary>Turns a native path into the filesystem's form: '/'-separated, rooted, no trailing separator.</summary>
    public static string Normalize(string path)
    {
        if (path.Length == 0) return "/";
        if (path.Contains('\\')) path = path.Replace('\\', '/');
        if (path[0] != '/') path = "/" + path;
        int end = path.Length;
        while (end > 1 && path[end - 1] == '/') end--;
        return end == path.Length ? path : path[..end];
    }

    /// <summary>The last component of a normalized path ("" for the root).</summary>
    public static ReadOnlySpan<char> FileName(string path)
    {
        int slash = path.LastIndexOf('/');
        return path.AsSpan(slash + 1);
    }

    /// <summary>True when two normalized paths name the same entry (FAT names compare case-insensitively).</summary>
    public static bool SameEntry(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
