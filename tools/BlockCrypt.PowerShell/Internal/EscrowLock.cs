using System.Diagnostics;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>
/// Exclusive lock over an escrow store directory while one writer reads, merges and replaces a record, so concurrent
/// Backup-BlockCryptKeyProtector calls (other sessions, parallel runspaces) never lose each other's entries.
/// On Unix: flock(2) LOCK_EX on the directory itself (no lock file is left in the store; released when the descriptor
/// closes, also when the process dies). On Windows: an exclusively opened <c>.escrow.lock</c> file in the directory.
/// </summary>
internal sealed partial class EscrowLock : IDisposable
{
    /// <summary>Longest wait for another writer.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const int LockEx = 2, LockNb = 4, LockUn = 8;
    private const int EWouldBlock = 11, EWouldBlockBsd = 35, EIntr = 4;

    private int _fd = -1;
    private FileStream? _windowsLock;

    private EscrowLock() { }

    /// <summary>Waits (up to 30 s) for the exclusive lock on <paramref name="directory"/>.</summary>
    public static EscrowLock Acquire(string directory)
    {
        var held = new EscrowLock();
        var watch = Stopwatch.StartNew();
        if (OperatingSystem.IsWindows())
        {
            string path = Path.Combine(directory, ".escrow.lock");
            while (true)
            {
                try
                {
                    held._windowsLock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return held;
                }
                catch (IOException) when (watch.Elapsed < Timeout)
                {
                    Thread.Sleep(20);
                }
                catch (IOException)
                {
                    throw Busy(directory);
                }
            }
        }
        // O_RDONLY | O_CLOEXEC: a child process must not inherit (and so keep holding) the lock.
        int flags = OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsMacOS() ? 0x1000000 : 0;
        held._fd = Open(directory, flags);
        if (held._fd < 0)
            throw new IOException($"Cannot open the escrow directory '{directory}' to lock it (errno {Marshal.GetLastPInvokeError()}).");
        while (true)
        {
            if (Flock(held._fd, LockEx | LockNb) == 0) return held;
            int errno = Marshal.GetLastPInvokeError();
            if (errno is not (EWouldBlock or EWouldBlockBsd or EIntr))
            {
                held.Dispose();
                throw new IOException($"Cannot lock the escrow directory '{directory}' (errno {errno}).");
            }
            if (watch.Elapsed >= Timeout)
            {
                held.Dispose();
                throw Busy(directory);
            }
            Thread.Sleep(20);
        }
    }

    private static BlockCryptCmdletException Busy(string directory) =>
        new("EscrowBusy", ErrorCategory.ResourceBusy,
            $"Another writer has held the escrow store '{directory}' for over {Timeout.TotalSeconds:F0} s; nothing was changed.");

    /// <summary>
    /// Makes a rename inside the locked directory durable (fsync(2) on the directory, Unix); a no-op on Windows.
    /// </summary>
    public void SyncDirectory()
    {
        if (_fd >= 0 && Fsync(_fd) != 0)
            throw new IOException($"Cannot flush the escrow directory (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        if (_fd >= 0)
        {
            Flock(_fd, LockUn);
            Close(_fd);
            _fd = -1;
        }
        _windowsLock?.Dispose();
        _windowsLock = null;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
