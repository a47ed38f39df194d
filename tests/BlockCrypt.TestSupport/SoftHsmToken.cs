using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace BlockCrypt.TestSupport;

/// <summary>
/// A throw-away SoftHSM2 token: a temp directory with its own softhsm2.conf (file object store) and a token initialised
/// with <c>softhsm2-util --init-token --free</c>. Creating one points SOFTHSM2_CONF of this process at it, both in the managed
/// environment (child processes) and in the native one (setenv(3)), because .NET on Unix keeps a private copy of the
/// environment and SoftHSM2 reads the variable with getenv(3) in C_Initialize. The module must therefore be (re)initialised
/// after the token is created: the customer-key layer unloads it when its last session closes, so one token per test works.
/// Disposing restores the previous SOFTHSM2_CONF and deletes the directory. Not for parallel tests in one process.
/// </summary>
public sealed partial class SoftHsmToken : IDisposable
{
    /// <summary>Environment variable SoftHSM2 reads its configuration path from.</summary>
    public const string ConfVariable = "SOFTHSM2_CONF";

    private readonly string? _previousConf;
    private bool _disposed;

    private SoftHsmToken(string directory, string label, string userPin, string soPin, string? previousConf)
    {
        Directory = directory;
        TokenLabel = label;
        UserPin = userPin;
        SoPin = soPin;
        _previousConf = previousConf;
    }

    /// <summary>The SoftHSM2 PKCS#11 module: $BLOCKCRYPT_SOFTHSM_MODULE, or the Debian paths (package softhsm2).</summary>
    public static string ModulePath =>
        System.Environment.GetEnvironmentVariable("BLOCKCRYPT_SOFTHSM_MODULE") is { Length: > 0 } overridden
            ? overridden
            : new[] { "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so" }
                .FirstOrDefault(File.Exists) ?? "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>The temp directory holding the configuration and the token store.</summary>
    public string Directory { get; }

    /// <summary>Path of this token's softhsm2.conf.</summary>
    public string ConfPath => Path.Combine(Directory, "softhsm2.conf");

    /// <summary>The token label.</summary>
    public string TokenLabel { get; }

    /// <summary>The user PIN.</summary>
    public string UserPin { get; }

    /// <summary>The security officer PIN.</summary>
    public string SoPin { get; }

    /// <summary>The user PIN as UTF-8 bytes (a new array each call).</summary>
    public byte[] UserPinBytes => Encoding.UTF8.GetBytes(UserPin);

    /// <summary>Environment for a child process (the CLI) that must see this token.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string> { [ConfVariable] = ConfPath };

    /// <summary>Creates the directory, configuration and an initialised token, and points this process at it.</summary>
    public static SoftHsmToken Create(string label = "blockcrypt-test", string userPin = "123456", string soPin = "12345678")
    {
        string directory = Path.Combine(Path.GetTempPath(), "blockcrypt-softhsm-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "tokens"));
        string? previous = System.Environment.GetEnvironmentVariable(ConfVariable);
        var token = new SoftHsmToken(directory, label, userPin, soPin, previous);
        try
        {
            File.WriteAllText(token.ConfPath,
                $"directories.tokendir = {Path.Combine(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
            SetConf(token.ConfPath);
            token.InitToken(label);
            return token;
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    /// <summary>Initialises one more token (in the next free slot) of the same configuration.</summary>
    public void InitToken(string label) =>
        RunUtil("--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin);

    /// <summary>Runs softhsm2-util with this token's configuration; throws with its output when it fails.</summary>
    public string RunUtil(params string[] arguments)
    {
        var start = new ProcessStartInfo("softhsm2-util") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ConfVariable] = ConfPath;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("softhsm2-util did not start");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException("softhsm2-util did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"softhsm2-util {string.Join(' ', arguments)} failed ({process.ExitCode}): {stdout}{stderr.Result}");
        }

        return stdout;
    }

    /// <summary>Restores the previous SOFTHSM2_CONF and deletes the directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        SetConf(_previousConf);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the temp directory is left for the OS to clean.
        }
    }

    private static void SetConf(string? value)
    {
        System.Environment.SetEnvironmentVariable(ConfVariable, value);
        int rc = value is null ? UnsetEnv(ConfVariable) : SetEnv(ConfVariable, value, 1);
        if (rc != 0)
        {
            throw new InvalidOperationException($"setenv({ConfVariable}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnsetEnv(string name);
}
