using System.Text;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Secrets read from standard input, one per line, in the order commands ask for them: the unlocking secret first,
/// then new ones (a new passphrase for <c>protector add</c> ...).
/// </summary>
public sealed class SecretInput
{
    private readonly TextReader _input;

    /// <summary>Wraps the process's standard input (or a test reader).</summary>
    public SecretInput(TextReader input) => _input = input;

    /// <summary>Reads the next line; <paramref name="what"/> names it in the error when stdin ends early.</summary>
    public string ReadLine(string what) =>
        _input.ReadLine() ?? throw CliException.Usage($"Expected {what} on standard input (one secret per line), but it ended.");

    /// <summary>Reads a secret file: its first line without the line ending (a passphrase file may end with a newline).</summary>
    public static string ReadFirstLine(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' not found.", path);
        string text = File.ReadAllText(path, Encoding.UTF8);
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
