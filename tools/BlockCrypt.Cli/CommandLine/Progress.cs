namespace BlockCrypt.Cli.CommandLine;

/// <summary>A progress bar on stderr, drawn only when stderr is a terminal (so scripts and tests see clean output).</summary>
public sealed class Progress
{
    private readonly CliConsole _console;
    private readonly string _label;
    private readonly long _total;
    private int _lastPercent = -1;

    /// <summary>Starts a bar for <paramref name="total"/> units.</summary>
    public Progress(CliConsole console, string label, long total)
    {
        _console = console;
        _label = label;
        _total = Math.Max(1, total);
    }

    /// <summary>Reports <paramref name="done"/> units finished.</summary>
    public void Report(long done)
    {
        if (!_console.ErrorIsTerminal) return;
        int percent = (int)(done * 100 / _total);
        if (percent == _lastPercent) return;
        _lastPercent = percent;
        int filled = percent * 30 / 100;
        _console.Error.Write($"\r{_label} [{new string('#', filled)}{new string(' ', 30 - filled)}] {percent,3}%");
        if (percent >= 100) _console.Error.WriteLine();
    }
}
