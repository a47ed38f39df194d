using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// In-process jobs for the volume benchmarks: the generated boilerplate project does not build within BenchmarkDotNet's
/// timeout on a loaded 2-core machine, and both the plain baseline and the encrypted path run in the same process anyway.
/// </summary>
public sealed class VolumeIoBenchmarkConfig : ManualConfig
{
    public VolumeIoBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1).WithToolchain(InProcessEmitToolchain.Instance));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
    }
}

/// <summary>Unlock with a ~2 s KDF: one invocation per iteration, few iterations.</summary>
public sealed class VolumeUnlockBenchmarkConfig : ManualConfig
{
    public VolumeUnlockBenchmarkConfig()
    {
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }
}
