using System.Diagnostics;
using System.Globalization;
using BlockCrypt.Crypto;
using BlockCrypt.TestSupport;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// A noise-robust companion to the BenchmarkDotNet classes for a shared machine: it alternates baseline and candidate
/// in short slices (A, B, A, B, ...) so both see the same background load, and prints the median and quartiles of the
/// per-slice speed ratios plus the best slice of each. Run: <c>dotnet run -c Release --project benchmarks/BlockCrypt.Benchmarks -- --xts-ab</c>.
/// Ratios are speed ratios (above 1.00 = faster than the baseline).
/// </summary>
public static class XtsAbComparison
{
    private const int Slices = 201;

    public static void Run()
    {
        var random = new Random(1619);
        var key = new byte[64];
        random.NextBytes(key);
        Console.WriteLine("XTS A/B (speed ratio candidate/baseline; median [p25, p75]; best-slice GB/s baseline -> candidate)");
        foreach (int keySize in new[] { 64, 32 })
        {
            foreach (int size in keySize == 64 ? new[] { 512, 4096, 1 << 20 } : new[] { 4096 })
            {
                using var ours = new XtsAes(key.AsSpan(0, keySize), XtsAes.BestImplementation);
                using var openSsl = new OpenSslXts(key.AsSpan(0, keySize));
                var source = new byte[size];
                var destination = new byte[size];
                random.NextBytes(source);
                int sector = Math.Min(size, 4096);
                string name = $"AES-{keySize * 4}-XTS {size,7} B";
                Compare($"{name} encrypt {ours.Implementation} vs OpenSSL", size,
                    () => openSsl.EncryptSectors(source, destination, 1000, sector),
                    () => ours.EncryptSectors(source, destination, 1000, sector));
                Compare($"{name} decrypt {ours.Implementation} vs OpenSSL", size,
                    () => openSsl.DecryptSectors(source, destination, 1000, sector),
                    () => ours.DecryptSectors(source, destination, 1000, sector));
                if (size == 1 << 20)
                {
                    Compare($"{name} encrypt parallel vs one thread", size,
                        () => ours.EncryptSectors(source, destination, 1000, sector),
                        () => ours.EncryptSectorsParallel(source, destination, 1000, sector));
                    Compare($"{name} decrypt parallel vs one thread", size,
                        () => ours.DecryptSectors(source, destination, 1000, sector),
                        () => ours.DecryptSectorsParallel(source, destination, 1000, sector));
                }
            }
        }
    }

    private static void Compare(string name, int size, Action baseline, Action candidate)
    {
        int repeat = Math.Max(1, (4 << 20) / size);
        for (int i = 0; i < 20; i++)
        {
            Time(baseline, repeat);
            Time(candidate, repeat);
        }

        var ratios = new double[Slices];
        double bestBaseline = double.MaxValue, bestCandidate = double.MaxValue;
        for (int i = 0; i < Slices; i++)
        {
            double b = Time(baseline, repeat), c = Time(candidate, repeat);
            ratios[i] = b / c;
            bestBaseline = Math.Min(bestBaseline, b);
            bestCandidate = Math.Min(bestCandidate, c);
        }

        Array.Sort(ratios);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-52} {ratios[Slices / 2],5:F2}x [{ratios[Slices / 4]:F2}, {ratios[3 * Slices / 4]:F2}]  best {size / bestBaseline / 1e9,5:F2} -> {size / bestCandidate / 1e9,5:F2} GB/s"));
    }

    private static double Time(Action action, int repeat)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < repeat; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds / repeat;
    }
}
