using BlockCrypt.Cli.CommandLine;

namespace BlockCrypt.Cli;

/// <summary>The <c>blockcrypt</c> command-line tool.</summary>
public static class Program
{
    /// <summary>Runs the CLI; the exit codes are listed by <c>blockcrypt --help</c>.</summary>
    public static int Main(string[] args) => new CliApp().Run(args, CliConsole.System());
}
