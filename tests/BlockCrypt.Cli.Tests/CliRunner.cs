using System.Diagnostics;
using BlockCrypt.Cli.CommandLine;

namespace BlockCrypt.Cli.Tests;

/// <summary>Runs the CLI in-process with captured streams, or as a child process (<c>dotnet blockcrypt.dll</c>).</summary>
internal static class CliRunner
{
    public static readonly string[] CheapKdf = ["--pbkdf-memory", "8192", "--pbkdf-force-iterations", "1", "--pbkdf-parallel", "1"];

    public sealed record Result(int ExitCode, string Out, string Err);

    public static Result Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole { In = new StringReader(stdin), Out = output, Error = error };
        int code = new CliApp().Run(args, console);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Path of the built CLI next to the tests.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "blockcrypt.dll");

    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Starts the CLI as a child process with stdin written and closed.</summary>
    public static Process Start(string stdin, params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(CliDll);
        foreach (string a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return process;
    }
}
