namespace BlockCrypt.Cli.CommandLine;

/// <summary>A failure the CLI reports as one line with a chosen exit code (usage errors, refusals, missing files).</summary>
public sealed class CliException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CliException(int exitCode, string message) : base(message) => ExitCode = exitCode;

    /// <summary>Exit code to return (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; }

    /// <summary>A usage error (exit code 2).</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
