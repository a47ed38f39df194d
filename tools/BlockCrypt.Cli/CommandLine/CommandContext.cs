using BlockCrypt.Volume;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>What a running command gets: its arguments, the console, and helpers to open and unlock a volume.</summary>
public sealed class CommandContext
{
    /// <summary>Creates a context.</summary>
    public CommandContext(CliCommand command, ParsedArgs args, CliConsole console)
    {
        Command = command;
        Args = args;
        Console = console;
        Stdin = new SecretInput(console.In);
    }

    /// <summary>The command being run.</summary>
    public CliCommand Command { get; }

    /// <summary>Its parsed arguments.</summary>
    public ParsedArgs Args { get; }

    /// <summary>Standard streams.</summary>
    public CliConsole Console { get; }

    /// <summary>Secrets from standard input, one per line.</summary>
    public SecretInput Stdin { get; }

    /// <summary>Standard output.</summary>
    public TextWriter Out => Console.Out;

    /// <summary>Standard error.</summary>
    public TextWriter Err => Console.Error;

    /// <summary>Positional argument <paramref name="index"/>.</summary>
    public string Arg(int index) => Args.Positionals[index];

    /// <summary>Builds the unlocking credentials from the shared unlock options (reads stdin secrets first).</summary>
    public UnlockCredentials UnlockCredentials() => UnlockOptions.Build(Args, Stdin);

    /// <summary>Opens <paramref name="container"/> and unlocks it with the unlock options. Dispose both (unlocked first).</summary>
    public (Volume.Volume Volume, UnlockedVolume Unlocked) OpenUnlocked(string container, bool readOnly = false)
    {
        using var credentials = UnlockCredentials();
        var volume = Volume.Volume.Open(container, readOnly);
        try
        {
            return (volume, volume.Unlock(credentials));
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }
}

/// <summary>The process's standard streams and whether they are terminals (replaceable in tests).</summary>
public sealed class CliConsole
{
    /// <summary>Standard input.</summary>
    public required TextReader In { get; init; }

    /// <summary>Standard output.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>True when stdin is a terminal.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>True when stderr is a terminal (progress bars are drawn only then).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The real console.</summary>
    public static CliConsole System() => new()
    {
        In = global::System.Console.In, Out = global::System.Console.Out, Error = global::System.Console.Error,
        InputIsTerminal = !global::System.Console.IsInputRedirected, ErrorIsTerminal = !global::System.Console.IsErrorRedirected,
    };
}
