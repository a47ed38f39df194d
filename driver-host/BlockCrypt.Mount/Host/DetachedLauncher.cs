using System.Diagnostics;
using System.Reflection;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// Detaching without fork: the CLI re-launches itself in the foreground in a new session (setsid), with its stdin
/// inherited (so a passphrase piped to the parent reaches the child) and its stdout/stderr on pipes. The child
/// prints <see cref="ReadyMarker"/> once the mount is in place; the parent then returns and the child goes on
/// serving with its console detached. If the child exits first, its error lines are relayed and its code returned.
/// </summary>
public static class DetachedLauncher
{
    /// <summary>The line a child host prints on stdout when the mount is ready.</summary>
    public const string ReadyMarker = "BLOCKCRYPT-MOUNT-READY";

    /// <summary>Environment variable set for the child so it reports readiness and detaches its console.</summary>
    public const string NotifyVariable = "BLOCKCRYPT_MOUNT_NOTIFY";

    /// <summary>True in a child started by <see cref="Launch"/>.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(NotifyVariable) == "1";

    /// <summary>
    /// Starts this program again with <paramref name="arguments"/> (which must include --foreground) and waits for
    /// readiness. Returns (0, pid) when mounted, or the child's exit code with its stderr written to <paramref name="error"/>.
    /// </summary>
    public static (int ExitCode, int Pid) Launch(IReadOnlyList<string> arguments, TextWriter error, TimeSpan timeout)
    {
        var command = new List<string>();
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path.");
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            command.Add(self);
            command.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("No entry assembly."));
        }
        else
        {
            command.Add(self);
        }
        command.AddRange(arguments);
        string file = command[0];
        if (File.Exists("/usr/bin/setsid"))
        {
            // A new session: the terminal's SIGINT/SIGHUP no longer reach the host once the parent returned.
            file = "/usr/bin/setsid";
        }
        else
        {
            command.RemoveAt(0);
        }
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            // Windows: no console for the host, so Ctrl-C or closing the parent's console window cannot end it.
            CreateNoWindow = OperatingSystem.IsWindows(),
        };
        foreach (string a in command) psi.ArgumentList.Add(a);
        psi.Environment[NotifyVariable] = "1";
        using Process child = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the mount host.");
        var errors = new System.Text.StringBuilder();
        child.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (errors) errors.AppendLine(e.Data); };
        child.BeginErrorReadLine();
        Task<bool> ready = Task.Run(() =>
        {
            string? line;
            while ((line = child.StandardOutput.ReadLine()) != null)
            {
                if (line.StartsWith(ReadyMarker, StringComparison.Ordinal)) return true;
            }
            return false;
        });
        if (ready.Wait(timeout) && ready.Result) return (0, child.Id);
        if (!child.WaitForExit((int)TimeSpan.FromSeconds(10).TotalMilliseconds))
        {
            child.Kill(entireProcessTree: true);
            error.WriteLine("error: the mount host did not become ready in time.");
            return (1, child.Id);
        }
        child.WaitForExit();
        lock (errors) error.Write(errors.ToString());
        return (child.ExitCode == 0 ? 1 : child.ExitCode, child.Id);
    }

    /// <summary>In a child: announce readiness to the parent and stop writing to the (soon closed) pipes.</summary>
    public static void NotifyReady(string mountPoint)
    {
        if (!IsChild) return;
        Console.Out.WriteLine($"{ReadyMarker} {mountPoint}");
        Console.Out.Flush();
        Console.SetOut(TextWriter.Null);
        Console.SetError(TextWriter.Null);
    }
}
