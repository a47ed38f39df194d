using System.Diagnostics;
using System.Management.Automation;
using BlockCrypt.PowerShell.Internal;

namespace BlockCrypt.PowerShell;

/// <summary>
/// Base of every BlockCrypt cmdlet: PowerShell paths resolved against the current location, library exceptions turned
/// into ErrorRecords (<see cref="ErrorMapping"/>), and long library calls run with Write-Progress.
/// </summary>
public abstract class BlockCryptCmdlet : PSCmdlet
{
    private const int ProgressId = 0x0B1C;

    /// <summary>The file-system path for a PowerShell path (relative to the current location, ~ expanded).</summary>
    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// A mount point: on Windows a bare drive letter ("X:") passes through as "X:" (PowerShell would refuse a free
    /// letter as an unknown drive, or turn a mounted one into that drive's current location); anything else is a path.
    /// </summary>
    protected string ResolveMountPoint(string mountPoint) =>
        OperatingSystem.IsWindows() && BlockCrypt.Mount.Host.MountPointCheck.DriveLetter(mountPoint) is { } drive ? drive : ResolvePath(mountPoint);

    /// <summary>Type name of creation outputs that carry a new recovery password (list views that always show it).</summary>
    private const string NewRecoveryPasswordView = "#NewRecoveryPassword";

    /// <summary>
    /// Writes a creation result. When it carries a new recovery password, its type name gets a
    /// <c>#NewRecoveryPassword</c> view (BlockCrypt.Format.ps1xml): a list that always shows the password, which a table
    /// on a narrow console could drop; the object itself is unchanged.
    /// </summary>
    private protected void WriteCreated(object output, bool hasRecoveryPassword)
    {
        if (!hasRecoveryPassword)
        {
            WriteObject(output);
            return;
        }
        var wrapped = PSObject.AsPSObject(output);
        wrapped.TypeNames.Insert(0, output.GetType().FullName + NewRecoveryPasswordView);
        WriteObject(wrapped);
    }

    /// <summary>Writes a non-terminating error for <paramref name="e"/> about <paramref name="target"/>.</summary>
    protected void WriteMappedError(Exception e, object? target) => WriteError(ErrorMapping.ToErrorRecord(e, target));

    /// <summary>Stops the cmdlet with a terminating error for <paramref name="e"/>.</summary>
    protected void ThrowMapped(Exception e, object? target) => ThrowTerminatingError(ErrorMapping.ToErrorRecord(e, target));

    /// <summary>Runs <paramref name="action"/> for one input object; a library failure becomes a non-terminating error.</summary>
    protected void Guard(object? target, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not PipelineStoppedException and not PipelineClosedException
                                      and not ActionPreferenceStopException and not HaltCommandException)
        {
            WriteMappedError(e, target);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> (a long library call: KDF, TPM sealing, formatting) on a worker thread while this
    /// thread reports Write-Progress every 250 ms; exceptions of the work are rethrown unchanged. When the pipeline is
    /// stopped (Ctrl+C) meanwhile, the work still runs to its end (it cannot be cancelled) and its result, which nobody
    /// will receive, goes to <paramref name="abandon"/> (dispose keys, delete what it created).
    /// </summary>
    protected T WithProgress<T>(string activity, string status, Func<T> work, Action<T>? abandon = null)
    {
        var task = Task.Run(work);
        var watch = Stopwatch.StartNew();
        try
        {
            // A new record each time: a host may keep the records it was given (PowerShell.Streams.Progress).
            WriteProgress(new ProgressRecord(ProgressId, activity, status) { PercentComplete = -1 });
            while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(250))
            {
                WriteProgress(new ProgressRecord(ProgressId, activity, $"{status} ({watch.Elapsed.TotalSeconds:F0} s)") { PercentComplete = -1 });
            }
            WriteProgress(new ProgressRecord(ProgressId, activity, status) { RecordType = ProgressRecordType.Completed });
        }
        catch (PipelineStoppedException)
        {
            // Ctrl+C: the library call cannot be cancelled; let it finish before the caller disposes the secrets it uses.
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            if (abandon is not null && task.IsCompletedSuccessfully) abandon(task.Result);
            throw;
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Opens and unlocks <paramref name="path"/>, deriving keys with Write-Progress. Dispose both (unlocked first).</summary>
    protected (Volume.Volume Volume, Volume.UnlockedVolume Unlocked) OpenUnlocked(string path, Volume.UnlockCredentials credentials,
        bool readOnly = false) =>
        WithProgress("Unlocking " + path, "Deriving the key (KDF / TPM)", () => Credentials.OpenUnlocked(path, credentials, readOnly),
            Credentials.Close);

    /// <summary><see cref="WithProgress{T}"/> without a result.</summary>
    protected void WithProgress(string activity, string status, Action work) =>
        WithProgress<bool>(activity, status, () => { work(); return true; });
}
