using BenchmarkDotNet.Running;

namespace BlockCrypt.Benchmarks;

/// <summary>One BenchmarkDotNet entry point for every area's benchmark classes (select with --filter).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--xts-ab"])
        {
            // Interleaved A/B ratios for the XTS engine (robust against a busy shared machine); see XtsAbComparison.
            XtsAbComparison.Run();
            return;
        }

        if (args.Length > 0 && args[0] == "--mount-ab")
        {
            // Interleaved rounds through the FUSE mounts: encrypted vs plain mount vs tmpfs (see MountAbComparison).
            MountAbComparison.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
