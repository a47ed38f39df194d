using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Columns;
using Perfolizer.Horology;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// A short job for the XTS benchmarks (3 warm-ups, 12 iterations of 250 ms) so `--filter '*Xts*'` finishes in a few
/// minutes; ratios against the OpenSSL baseline in the same class are what matter on a shared machine.
/// </summary>
public sealed class XtsBenchmarkConfig : ManualConfig
{
    public XtsBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithWarmupCount(3)
            .WithIterationCount(12)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithLaunchCount(1));

        // The generated boilerplate project rebuilds the referenced projects; on a loaded 2-core machine that
        // exceeds BenchmarkDotNet's default 2-minute build timeout.
        WithBuildTimeout(TimeSpan.FromMinutes(15));
        AddColumn(StatisticColumn.Median);
        // One table per class; within it, one group per (category, params) so each Encrypt/Decrypt row is compared with
        // its own baseline. Ratio is time / baseline time: below 1.00 means faster than the baseline.
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
    }
}
