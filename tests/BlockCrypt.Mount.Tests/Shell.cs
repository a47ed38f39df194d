using System.Diagnostics;

namespace BlockCrypt.Mount.Tests;

/// <summary>Runs a program (or a bash script) and captures its exit code and output.</summary>
internal static class Shell
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
    }

    public static Result Bash(string script, string? workingDirectory = null, int timeoutSeconds = 300) =>
        Run("bash", ["-euo", "pipefail", "-c", script], workingDirectory, timeoutSeconds);

    public static Result Run(string file, IEnumerable<string> args, string? workingDirectory = null, int timeoutSeconds = 300,
        IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (environment != null) foreach (var kv in environment) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Result(-1, stdout.Result, stderr.Result + "\n(timed out)");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
