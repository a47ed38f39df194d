using System.Diagnostics;
using System.Text.RegularExpressions;
using BlockCrypt.Mount.Fuse;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>
/// An encrypted container made with the built CLI (a FAT32 image from mkfs.fat imported with tiny Argon2 parameters,
/// with a passphrase, a startup key file and a recovery password), a mount point, and the host processes started
/// on it. Dispose unmounts (fusermount3 -u -z as a last resort), kills leftover hosts and deletes everything.
/// </summary>
internal sealed partial class CliVolume : IDisposable
{
    public const string Passphrase = "correct horse battery staple";
    private readonly List<int> _hosts = [];

    public CliVolume(int sizeMiB = 320)
    {
        Root = Directory.CreateTempSubdirectory("bc-cli-mount-").FullName;
        Container = Path.Combine(Root, "vol.bc");
        KeyFile = Path.Combine(Root, "startup.key");
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        string plain = Path.Combine(Root, "plain.img");
        var mkfs = Shell.Run("mkfs.fat", ["-F", "32", "-S", "4096", "-s", "1", "-n", "CLITEST", "-C", plain, (sizeMiB * 1024).ToString()]);
        Assert.That(mkfs.ExitCode, Is.EqualTo(0), mkfs.ToString());
        var import = Cli(["import", plain, Container, "--passphrase-stdin", "--pbkdf-memory", "8192", "--pbkdf-force-iterations", "1",
            "--pbkdf-parallel", "1", "--key-file-out", KeyFile, "--recovery-password-out", Path.Combine(Root, "recovery.txt")], Passphrase + "\n");
        Assert.That(import.ExitCode, Is.EqualTo(0), import.ToString());
        File.Delete(plain);
    }

    public string Root { get; }
    public string Container { get; }
    public string KeyFile { get; }
    public string MountPoint { get; }

    /// <summary>The built CLI next to this test project's build (same configuration).</summary>
    public static string CliPath
    {
        get
        {
            string dir = TestContext.CurrentContext.TestDirectory;
            string config = dir.Contains("/Release/") ? "Release" : "Debug";
            string? repo = dir;
            while (repo != null && !File.Exists(Path.Combine(repo, "BlockCrypt.sln"))) repo = Path.GetDirectoryName(repo);
            Assert.That(repo, Is.Not.Null, "repository root not found");
            string cli = Path.Combine(repo!, "tools", "BlockCrypt.Cli", "bin", config, "net10.0", "blockcrypt.dll");
            Assert.That(File.Exists(cli), Is.True, cli + " is not built");
            return cli;
        }
    }

    /// <summary>Runs the CLI with <paramref name="stdin"/> as standard input.</summary>
    public static Shell.Result Cli(IEnumerable<string> args, string stdin = "", int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            return new Shell.Result(-1, stdout.Result, stderr.Result + "(timed out)");
        }
        return new Shell.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Mounts detached (the CLI returns once the mount is ready) and remembers the host pid.</summary>
    public Shell.Result Mount(params string[] unlockAndOptions) => MountAt(MountPoint, unlockAndOptions);

    public Shell.Result MountAt(string mountPoint, string[] unlockAndOptions, string stdin = Passphrase + "\n")
    {
        var r = Cli(["mount", Container, mountPoint, .. unlockAndOptions], stdin);
        Match m = HostPid().Match(r.Output);
        if (m.Success) _hosts.Add(int.Parse(m.Groups[1].Value));
        return r;
    }

    public int LastHostPid => _hosts[^1];

    public Shell.Result Unmount() => Cli(["unmount", MountPoint]);

    [GeneratedRegex(@"host pid (\d+)")]
    private static partial Regex HostPid();

    public void Dispose()
    {
        foreach (string mp in Directory.EnumerateDirectories(Root).Where(FuseMount.IsMounted).ToList())
        {
            if (!FuseMount.UnmountPath(mp, lazy: false)) FuseMount.UnmountPath(mp, lazy: true);
        }
        foreach (int pid in _hosts)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                if (!p.WaitForExit(10_000)) { p.Kill(); p.WaitForExit(5_000); }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
