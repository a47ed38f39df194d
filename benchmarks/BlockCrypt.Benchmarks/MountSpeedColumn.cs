using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// For <see cref="MountBenchmarks"/>: the median as a speed (MB/s = 10^6 bytes/s for the 1 GiB sequential tests, IOPS
/// for the random reads), or that speed relative to the tmpfs target of the same category.
/// </summary>
public sealed class MountSpeedColumn(bool vsTmpfs) : IColumn
{
    /// <inheritdoc/>
    public string Id => vsTmpfs ? "MountVsTmpfs" : "MountSpeed";
    /// <inheritdoc/>
    public string ColumnName => vsTmpfs ? "vs tmpfs" : "Speed";
    /// <inheritdoc/>
    public bool AlwaysShow => true;
    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc/>
    public int PriorityInCategory => vsTmpfs ? 1 : 0;
    /// <inheritdoc/>
    public bool IsNumeric => true;
    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc/>
    public string Legend => vsTmpfs ? "Speed relative to the tmpfs target of the same category" : "MB/s (10^6 bytes/s) for SeqWrite/SeqRead 1 GiB, IOPS for RandRead 4 KiB";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? speed = Speed(summary, benchmarkCase);
        if (speed is null) return "-";
        if (!vsTmpfs) return speed.Value.ToString("F0", CultureInfo.InvariantCulture);
        string category = Category0(benchmarkCase);
        BenchmarkCase? tmpfs = summary.BenchmarksCases.FirstOrDefault(c =>
            Category0(c) == category && c.Descriptor.WorkloadMethod.Name.EndsWith("_Tmpfs", StringComparison.Ordinal));
        double? reference = tmpfs is null ? null : Speed(summary, tmpfs);
        return reference is > 0 ? (speed.Value / reference.Value).ToString("F3", CultureInfo.InvariantCulture) : "-";
    }

    private static double? Speed(Summary summary, BenchmarkCase benchmarkCase)
    {
        // Nanoseconds per operation (OperationsPerInvoke already divided out).
        double? ns = summary[benchmarkCase]?.ResultStatistics?.Median;
        if (ns is not > 0) return null;
        return IsRandom(benchmarkCase) ? 1e9 / ns.Value : (1L << 30) / 1e6 / (ns.Value / 1e9);
    }

    private static string Category0(BenchmarkCase c) => c.Descriptor.Categories.FirstOrDefault() ?? "";

    private static bool IsRandom(BenchmarkCase c) => Category0(c).StartsWith("RandRead", StringComparison.Ordinal);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}
