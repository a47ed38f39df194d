using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Mount.Core;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// Refuses a second mount of the same container: an exclusive advisory lock (flock, which .NET takes for
/// <see cref="FileShare.None"/> on Unix) on a lock file named after the container's resolved path. The kernel drops
/// the lock when the holder dies, so a killed host never blocks the next mount. The container itself is not locked,
/// so the volume layer can open it as it likes.
/// </summary>
public sealed class MountLock : IDisposable
{
    private readonly FileStream _stream;
    private string? _recordPath;

    private MountLock(FileStream stream, string path)
    {
        _stream = stream;
        LockPath = path;
    }

    /// <summary>The lock file.</summary>
    public string LockPath { get; }

    /// <summary>
    /// Directory holding the lock files: /run/blockcrypt on Linux, %ProgramData%\BlockCrypt\mounts on Windows, or the
    /// temp directory when that is not writable.
    /// </summary>
    public static string LockDirectory
    {
        get
        {
            // Machine-wide, so one container is mounted once whoever mounts it, and anyone may unmount what they see.
            string run = OperatingSystem.IsWindows()
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "BlockCrypt", "mounts")
                : OperatingSystem.IsLinux() ? "/run/blockcrypt" : Path.Combine(Path.GetTempPath(), "blockcrypt");
            try
            {
                Directory.CreateDirectory(run);
                return run;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "blockcrypt-locks")).FullName;
            }
        }
    }

    /// <summary>Takes the lock for <paramref name="container"/>.</summary>
    /// <exception cref="MountException"><see cref="MountError.AlreadyMounted"/> when another host holds it.</exception>
    public static MountLock Acquire(string container)
    {
        string resolved = Resolve(container);
        string path = LockPathOf(resolved);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(Encoding.UTF8.GetBytes($"{Environment.ProcessId} {resolved}\n"));
            stream.Flush();
            return new MountLock(stream, path);
        }
        catch (IOException e)
        {
            throw new MountException(MountError.AlreadyMounted, $"'{container}' is already mounted by another blockcrypt process.", e);
        }
    }

    private static string LockPathOf(string resolvedContainer) =>
        Path.Combine(LockDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(resolvedContainer)))[..32] + ".lock");

    /// <summary>
    /// The live mount of <paramref name="container"/> as recorded in <see cref="LockDirectory"/> by whichever process
    /// serves it (a CLI host or an <see cref="InProcessMount"/>), or null when its host is gone or it is not mounted.
    /// </summary>
    public static MountRecord? FindMountOf(string container)
    {
        ArgumentNullException.ThrowIfNull(container);
        string record = Path.ChangeExtension(LockPathOf(Resolve(container)), ".mount");
        try
        {
            string[] lines = File.ReadAllLines(record);
            if (lines.Length >= 2 && int.TryParse(lines[0], out int pid) && IsAlive(pid))
                return new MountRecord(pid, lines[1], lines.Length >= 3 && lines[2] == InProcessTag);
        }
        catch (IOException)
        {
            // No record (not mounted), or being rewritten.
        }
        return null;
    }

    /// <summary>A mount found in the lock directory: the serving process, the mount point, whether it is in-process.</summary>
    public readonly record struct MountRecord(int ProcessId, string MountPoint, bool InProcess);

    internal static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    /// <summary>
    /// Writes "pid\nmountpoint" next to the lock (an unlocked .mount file: a flock'ed file cannot be read by other
    /// .NET processes) so that <c>unmount</c> can find and wait for this host. An in-process host (one that keeps
    /// running after the unmount, see <see cref="InProcessMount"/>) adds a third line "in-process", so that
    /// <c>unmount</c> waits for this file to go instead of for the process to exit.
    /// </summary>
    public void Record(string mountPoint, bool inProcess = false)
    {
        _recordPath = Path.ChangeExtension(LockPath, ".mount");
        File.WriteAllText(_recordPath, $"{Environment.ProcessId}\n{mountPoint}\n{(inProcess ? InProcessTag + "\n" : "")}");
    }

    private const string InProcessTag = "in-process";

    /// <summary>The process id of the live host serving <paramref name="mountPoint"/> (null if unknown).</summary>
    public static int? FindHost(string mountPoint) => FindHostRecord(mountPoint)?.Pid;

    /// <summary>True while process <paramref name="pid"/> runs (/proc on Linux, the process table elsewhere).</summary>
    internal static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // it exists but belongs to someone we may not inspect (an elevated host)
        }
    }

    /// <summary>The live host serving <paramref name="mountPoint"/>: its pid, its .mount file and whether it is in-process.</summary>
    internal static HostRecord? FindHostRecord(string mountPoint)
    {
        foreach (string file in Directory.EnumerateFiles(LockDirectory, "*.mount"))
        {
            try
            {
                string[] lines = File.ReadAllLines(file);
                if (lines.Length >= 2 && MountPointCheck.Same(lines[1], mountPoint) && int.TryParse(lines[0], out int pid)
                    && IsAlive(pid))
                    return new HostRecord(pid, file, lines.Length >= 3 && lines[2] == InProcessTag);
            }
            catch (IOException)
            {
                // Being rewritten or removed: skip it.
            }
        }
        return null;
    }

    /// <summary>True while <paramref name="record"/>'s file still names the same host and mount point.</summary>
    internal static bool StillRecorded(HostRecord record, string mountPoint)
    {
        try
        {
            string[] lines = File.ReadAllLines(record.RecordFile);
            return lines.Length >= 2 && MountPointCheck.Same(lines[1], mountPoint) && lines[0] == record.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return false; // removed (FileNotFoundException is an IOException): the host has closed the volume
        }
    }

    /// <summary>A host found through its .mount file.</summary>
    internal readonly record struct HostRecord(int Pid, string RecordFile, bool InProcess);

    /// <summary>Releases the lock (the file stays; its lock, not its existence, is what counts).</summary>
    public void Dispose()
    {
        if (_recordPath is not null) File.Delete(_recordPath);
        _stream.Dispose();
    }
}
