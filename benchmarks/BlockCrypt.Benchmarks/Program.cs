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

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
