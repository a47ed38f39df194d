using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BlockCrypt.TestSupport;

/// <summary>
/// A private swtpm (TPM 2.0) on a free localhost port P with its control channel at P+1, a blank TPM in a new temp
/// state dir, started with <c>--flags not-need-init,startup-clear</c>. Dispose kills the process and deletes the dir.
/// swtpm serves one data client at a time: close your own connection before running tpm2-tools against it.
/// </summary>
public sealed partial class SwtpmInstance : IDisposable
{
    private Process? _process;

    private SwtpmInstance(string stateDir, int port, Process process)
    {
        StateDir = stateDir;
        Port = port;
        _process = process;
    }

    /// <summary>The state directory (deleted on dispose).</summary>
    public string StateDir { get; }

    /// <summary>The data port (raw TPM commands).</summary>
    public int Port { get; }

    /// <summary>The control port (P+1).</summary>
    public int ControlPort => Port + 1;

    /// <summary>The BlockCrypt device specification, <c>swtpm:127.0.0.1:P</c>.</summary>
    public string DeviceSpec => $"swtpm:127.0.0.1:{Port}";

    /// <summary>The tpm2-tools TCTI string, <c>swtpm:host=127.0.0.1,port=P</c>.</summary>
    public string Tcti => $"swtpm:host=127.0.0.1,port={Port}";

    /// <summary>Starts a new instance, retrying on another port when the chosen one is taken.</summary>
    public static SwtpmInstance Start() => StartIn(NewStateDir());

    /// <summary>
    /// Starts an instance on a copy of the files of <paramref name="stateDir"/> (e.g. a saved tpm2-00.permall: the
    /// same seeds, so objects sealed by that TPM load again). The original is not modified.
    /// </summary>
    public static SwtpmInstance StartFromState(string stateDir)
    {
        string dir = NewStateDir();
        foreach (string file in Directory.EnumerateFiles(stateDir, "*.permall"))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return StartIn(dir);
    }

    private static string NewStateDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "bc-swtpm-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static SwtpmInstance StartIn(string dir)
    {
        try
        {
            for (int attempt = 0; attempt < 20; attempt++)
            {
                int port = FindFreePortPair();
                var process = Launch(dir, port);
                if (WaitReady(process, port, out string error))
                    return new SwtpmInstance(dir, port, process);
                Kill(process);
                if (!error.Contains("Address already in use", StringComparison.OrdinalIgnoreCase) && attempt >= 2)
                    throw new InvalidOperationException($"swtpm did not start: {error}");
            }
            throw new InvalidOperationException("swtpm did not start: no free port pair found");
        }
        catch
        {
            TryDelete(dir);
            throw;
        }
    }

    private static Process Launch(string dir, int port)
    {
        var psi = new ProcessStartInfo("swtpm")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
                 {
                     "socket", "--tpm2", "--tpmstate", $"dir={dir}",
                     "--server", $"type=tcp,port={port},bindaddr=127.0.0.1",
                     "--ctrl", $"type=tcp,port={port + 1},bindaddr=127.0.0.1",
                     "--flags", "not-need-init,startup-clear", "--log", $"file={dir}/log",
                 })
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start swtpm");
    }

    private static bool WaitReady(Process process, int port, out string error)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                error = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
                return false;
            }
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                error = "";
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(10);
            }
        }
        error = "timed out waiting for the data port";
        return false;
    }

    private static int FindFreePortPair()
    {
        for (int i = 0; i < 50; i++)
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            if (port >= 65535) continue;
            try
            {
                var l2 = new TcpListener(IPAddress.Loopback, port + 1);
                l2.Start();
                l2.Stop();
                return port;
            }
            catch (SocketException) { /* P+1 taken: try another */ }
        }
        throw new InvalidOperationException("no free port pair");
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); }
        }
        catch (InvalidOperationException) { /* already gone */ }
        p.Dispose();
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { /* best effort */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }

    /// <summary>Kills swtpm and deletes the state dir.</summary>
    public void Dispose()
    {
        if (_process is { } p)
        {
            _process = null;
            Kill(p);
        }
        TryDelete(StateDir);
    }
}
