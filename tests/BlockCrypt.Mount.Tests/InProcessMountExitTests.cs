using System.Diagnostics;
using BlockCrypt.Mount.Fuse;
using BlockCrypt.Mount.Host;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>
/// An <see cref="InProcessMount"/> inside a PowerShell process (the repository's local `dotnet pwsh` tool loading the
/// built assemblies) is dismounted cleanly when that process exits or receives SIGTERM.
/// </summary>
[TestFixture, Category("Fuse"), NonParallelizable]
public class InProcessMountExitTests
{
    private const string Script = """
        param($bin, $container, $mp, $mode)
        $ErrorActionPreference = 'Stop'
        foreach ($n in 'BlockCrypt.Storage','BlockCrypt.Crypto','BlockCrypt.Tpm','BlockCrypt.Volume','BlockCrypt.FileSystem','BlockCrypt.Mount') {
            Add-Type -Path (Join-Path $bin "$n.dll") }
        $vol = [BlockCrypt.Volume.Volume]::Open($container)
        $creds = [BlockCrypt.Volume.UnlockCredentials]::new().AddPassphrase('correct horse battery staple')
        $src = [BlockCrypt.Mount.Host.MountSource]::ForUnlockedVolume($vol.Unlock($creds), $true)
        # A compiled expression, not a script block: the unlock callback runs on the mount thread, which has no runspace.
        $E = [Linq.Expressions.Expression]
        $f = $E::Lambda[Func[BlockCrypt.Mount.Host.MountSource]]($E::Constant($src)).Compile()
        $o = [BlockCrypt.Mount.Host.MountHostOptions]@{ Container = $container; MountPoint = $mp }
        $m = [BlockCrypt.Mount.Host.InProcessMount]::Start($o, $f, [TimeSpan]::FromSeconds(60))
        Set-Content -Path (Join-Path $mp 'ps.txt') -Value 'from pwsh' -NoNewline
        [Console]::Out.WriteLine("READY $PID"); [Console]::Out.Flush()
        if ($mode -eq 'wait') { Start-Sleep -Seconds 120 }
        """;

    private LibraryVolume? _v;
    private Process? _pwsh;

    [TearDown]
    public void TearDown()
    {
        if (_pwsh is { HasExited: false }) { _pwsh.Kill(entireProcessTree: true); _pwsh.WaitForExit(10_000); }
        _pwsh?.Dispose();
        _v?.Dispose();
    }

    [TestCase("exit")]
    [TestCase("sigterm")]
    public void PowerShellProcess_ExitsOrGetsSigterm_VolumeDismountedCleanly(string how)
    {
        _v = new LibraryVolume();
        string script = Path.Combine(_v.Root, "mount.ps1");
        File.WriteAllText(script, Script);
        string bin = TestContext.CurrentContext.TestDirectory;
        string? repo = bin;
        while (repo != null && !File.Exists(Path.Combine(repo, "dotnet-tools.json"))) repo = Path.GetDirectoryName(repo);
        Assert.That(repo, Is.Not.Null, "dotnet-tools.json (local pwsh tool) not found");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = repo!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script, bin, _v.Container, _v.MountPoint, how == "exit" ? "exit" : "wait" })
            psi.ArgumentList.Add(a);
        _pwsh = Process.Start(psi)!;
        var stderr = _pwsh.StandardError.ReadToEndAsync();
        Task<string?> readyLine = Task.Run(() =>
        {
            string? line;
            while ((line = _pwsh.StandardOutput.ReadLine()) != null) if (line.StartsWith("READY ", StringComparison.Ordinal)) return line;
            return null;
        });
        Assert.That(readyLine.Wait(TimeSpan.FromSeconds(120)), Is.True, "pwsh did not mount in time");
        Assert.That(readyLine.Result, Is.Not.Null, () => "pwsh ended without mounting: " + stderr.Result);
        int pwshPid = int.Parse(readyLine.Result!["READY ".Length..]);
        if (how == "sigterm")
        {
            Assert.That(FuseMount.IsMounted(_v.MountPoint), Is.True);
            Assert.That(MountLock.FindHost(_v.MountPoint), Is.EqualTo(pwshPid));
            var kill = Shell.Run("kill", ["-TERM", pwshPid.ToString()]);
            Assert.That(kill.ExitCode, Is.EqualTo(0), kill.ToString());
        }
        Assert.That(_pwsh.WaitForExit(60_000), Is.True, "pwsh did not exit");
        Assert.That(FuseMount.IsMounted(_v.MountPoint), Is.False);
        Assert.That(MountLock.FindHost(_v.MountPoint), Is.Null, "the host removed its record: it closed the volume itself");
        var fsck = _v.Fsck();
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
        Assert.That(fsck.Output + fsck.Error, Does.Not.Contain("Dirty bit"), "FAT clean bit set at dismount");
        using var m = InProcessMount.Start(_v.Options(readOnly: true), _v.Unlocker(readOnly: true), TimeSpan.FromSeconds(60));
        Assert.That(File.ReadAllText(Path.Combine(_v.MountPoint, "ps.txt")), Is.EqualTo("from pwsh"));
    }
}
