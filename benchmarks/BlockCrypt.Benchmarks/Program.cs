using BenchmarkDotNet.Running;

namespace BlockCrypt.Benchmarks;

/// <summary>One BenchmarkDotNet entry point for every area's benchmark classes (select with --filter).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
