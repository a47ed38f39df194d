using System.Diagnostics;
using BlockCrypt.Mount.Fuse;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>The built <c>blockcrypt</c> CLI mounting an encrypted container (real FUSE mounts, child processes).</summary>
[TestFixture, Category("Fuse"), NonParallelizable]
public class CliMountTests
{
    private CliVolume? _v;

    [TearDown]
    public void TearDown() => _v?.Dispose();

    private static string Sha(string file) => Shell.Bash($"sha256sum < '{file}' | cut -d' ' -f1").Output.Trim();

    [Test]
    public void MountDetached_ShellToolsAndRemountWithOtherProtector_FilesIntactAndFsckClean()
    {
        _v = new CliVolume(400);
        string mp = _v.MountPoint;
        var mount = _v.Mount("--passphrase-stdin");
        Assert.That(mount.ExitCode, Is.EqualTo(0), mount.ToString());
        Assert.That(mount.Output, Does.Contain($"at {mp}"));
        Assert.That(FuseMount.IsMounted(mp), Is.True);

        var r = Shell.Bash($"""
            cd '{_v.Root}'
            head -c 268435456 /dev/urandom > big.src
            for i in 1 2 3; do head -c $((3*1048576 + i*12345)) /dev/urandom > s$i; done
            dd if=big.src of='{mp}/big.bin' bs=1M status=none
            mkdir '{mp}/dir'
            for i in 1 2 3; do (for j in 1 2 3 4; do cp s$i '{mp}'/dir/p$i-$j; done) & done
            wait
            echo text > '{mp}/dir/note.txt'; mv '{mp}/dir/note.txt' '{mp}/note.txt'; touch '{mp}/gone'; rm '{mp}/gone'
            truncate -s 5000 '{mp}/note.txt'
            ls -la '{mp}' '{mp}/dir' > /dev/null
            cmp big.src '{mp}/big.bin' && echo same
            """, timeoutSeconds: 600);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Output.Trim(), Is.EqualTo("same"));
        string bigSha = Sha(Path.Combine(_v.Root, "big.src"));

        var un = _v.Unmount();
        Assert.That(un.ExitCode, Is.EqualTo(0), un.ToString());
        Assert.That(FuseMount.IsMounted(mp), Is.False);
        Assert.That(Process.GetProcesses().Any(p => p.Id == _v.LastHostPid), Is.False, "the host exits after unmount");

        var again = _v.Mount("--key-file", _v.KeyFile, "--read-only");
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(Sha(Path.Combine(mp, "big.bin")), Is.EqualTo(bigSha));
        for (int i = 1; i <= 3; i++)
            for (int j = 1; j <= 4; j++)
                Assert.That(File.ReadAllBytes(Path.Combine(mp, "dir", $"p{i}-{j}")), Is.EqualTo(File.ReadAllBytes(Path.Combine(_v.Root, $"s{i}"))));
        Assert.That(new FileInfo(Path.Combine(mp, "note.txt")).Length, Is.EqualTo(5000));
        Assert.That(_v.Unmount().ExitCode, Is.EqualTo(0));

        string plain = Path.Combine(_v.Root, "export.img");
        var export = CliVolume.Cli(["export-plain", _v.Container, plain, "--passphrase-stdin"], CliVolume.Passphrase + "\n");
        Assert.That(export.ExitCode, Is.EqualTo(0), export.ToString());
        var fsck = Shell.Run("fsck.fat", ["-n", plain]);
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());
    }

    [Test]
    public void KillMinus9WhileWriting_RemountAfterLazyUnmount_FsyncedFilesIntact()
    {
        _v = new CliVolume(200);
        string mp = _v.MountPoint;
        Assert.That(_v.Mount("--passphrase-stdin").ExitCode, Is.EqualTo(0));
        var r = Shell.Bash($"""
            cd '{_v.Root}'
            head -c 20000000 /dev/urandom > synced.src
            dd if=synced.src of='{mp}/synced.bin' bs=1M conv=fsync status=none
            sha256sum < synced.src | cut -d' ' -f1
            """);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string sha = r.Output.Trim();
        // A writer that keeps going while the host is killed.
        using var writer = Process.Start("bash", ["-c", $"while true; do head -c 4000000 /dev/urandom > '{mp}/busy.bin' || exit 0; done"]);
        Thread.Sleep(1500);
        Process.GetProcessById(_v.LastHostPid).Kill();
        writer.WaitForExit(20_000);
        if (!writer.HasExited) writer.Kill();
        FuseMount.UnmountPath(mp, lazy: true);
        Assert.That(FuseMount.IsMounted(mp), Is.False);

        var again = _v.Mount("--key-file", _v.KeyFile);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(Sha(Path.Combine(mp, "synced.bin")), Is.EqualTo(sha));
        Assert.That(_v.Unmount().ExitCode, Is.EqualTo(0));
        string plain = Path.Combine(_v.Root, "export.img");
        Assert.That(CliVolume.Cli(["export-plain", _v.Container, plain, "--key-file", _v.KeyFile]).ExitCode, Is.EqualTo(0));
        var fsck = Shell.Run("fsck.fat", ["-n", plain]);
        // The host's next mount already reclaimed lost clusters; at most lost clusters may remain otherwise.
        Assert.That(fsck.ExitCode, Is.EqualTo(0).Or.EqualTo(1), fsck.ToString());
        if (fsck.ExitCode == 1) Assert.That(fsck.Output, Does.Contain("lost cluster").IgnoreCase.Or.Contain("Reclaim").IgnoreCase, fsck.ToString());
    }

    [Test]
    public void BadInput_EachCase_OneLineErrorNothingMountedContainerUnchanged()
    {
        _v = new CliVolume(100);
        string before = Shell.Bash($"sha256sum < '{_v.Container}'").Output;
        string full = Path.Combine(_v.Root, "full");
        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, "x"), "x");

        AssertFails(_v.MountAt(Path.Combine(_v.Root, "missing"), ["--passphrase-stdin"]), 13, "does not exist");
        AssertFails(_v.MountAt(full, ["--passphrase-stdin"]), 13, "not empty");
        AssertFails(_v.MountAt(_v.MountPoint, ["--passphrase-stdin"], "wrong passphrase\n"), 3, "Wrong credential");
        AssertFails(_v.MountAt(_v.MountPoint, ["--passphrase-stdin", "--foreground"], "wrong passphrase\n"), 3, "Wrong credential");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in new[] { CliVolume.CliPath, "mount", _v.Container, _v.MountPoint, "--passphrase-stdin" }) psi.ArgumentList.Add(a);
        psi.Environment["BLOCKCRYPT_FUSE_DEVICE"] = Path.Combine(_v.Root, "no-dev-fuse");
        using (var p = Process.Start(psi)!)
        {
            p.StandardInput.WriteLine(CliVolume.Passphrase);
            p.StandardInput.Close();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            AssertFails(new Shell.Result(p.ExitCode, p.StandardOutput.ReadToEnd(), err), 13, "No FUSE device");
        }
        Assert.That(FuseMount.IsMounted(_v.MountPoint), Is.False);
        Assert.That(Shell.Bash($"sha256sum < '{_v.Container}'").Output, Is.EqualTo(before), "failed mounts leave the container unchanged");

        Assert.That(_v.Mount("--passphrase-stdin").ExitCode, Is.EqualTo(0));
        string second = Directory.CreateDirectory(Path.Combine(_v.Root, "mnt2")).FullName;
        AssertFails(_v.MountAt(second, ["--passphrase-stdin"]), 13, "already mounted");
        Assert.That(FuseMount.IsMounted(second), Is.False);
        Assert.That(_v.Unmount().ExitCode, Is.EqualTo(0));
        AssertFails(_v.Unmount(), 13, "Nothing is mounted");
    }

    private static void AssertFails(Shell.Result r, int code, string text)
    {
        Assert.That(r.ExitCode, Is.EqualTo(code), r.ToString());
        string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(lines[0], Does.Contain(text));
    }
}
