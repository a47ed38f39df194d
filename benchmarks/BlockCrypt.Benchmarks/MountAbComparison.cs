using System.Globalization;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// The mount benchmark as interleaved rounds for a shared machine: each round runs every test on the encrypted mount,
/// the same FAT32 mount over an unencrypted device and a plain tmpfs directory back to back (rotating which goes
/// first), so the three see the same background load, and the ratios are taken inside each round. Prints every round,
/// then medians, the ratios the mount issue asks for and whether the goals are met. Tests: sequential 1 GiB write of a
/// new file (1 MiB blocks, fsync at the end), sequential 1 GiB read (page cache dropped first), random 4 KiB O_DIRECT
/// reads. Speeds are fio's own (job runtime: the end fsync included, fio's start-up not). Needs root, /dev/fuse and fio;
/// all backing files on /dev/shm.
/// Run: <c>dotnet run -c Release --project benchmarks/BlockCrypt.Benchmarks -- --mount-ab [rounds]</c>.
/// </summary>
public static class MountAbComparison
{
    private static readonly string[] Targets = ["encrypted", "plain-mount", "tmpfs"];

    /// <summary>Busy CPU time of the whole machine so far, in USER_HZ ticks (1/100 s): user, nice, system, irq, softirq.</summary>
    private static long BusyTicks()
    {
        string[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7);
    }

    public static void Run(int rounds)
    {
        var bench = new MountBenchmarks();
        try
        {
            bench.Setup();
            string[] dirs = [bench.EncryptedDir, bench.PlainDir, bench.TmpfsDir];
            // [test, target, round]: MB/s (10^6 bytes/s) for the sequential tests, IOPS for the random reads.
            var results = new double[3, 3, rounds];
            // [target, round]: busy CPU seconds of the whole machine during the sequential read (fio's start-up included).
            var readCpu = new double[3, rounds];
            Console.WriteLine($"Mount A/B: {rounds} rounds, {Environment.ProcessorCount} cores; MB/s = 10^6 bytes/s as fio measures (write incl. end fsync)");
            for (int r = 0; r < rounds; r++)
            {
                string load = LoadAverage();
                for (int k = 0; k < 3; k++)
                {
                    int t = (k + r) % 3;
                    results[0, t, r] = MountBenchmarks.SeqWriteFresh(dirs[t]);
                }
                for (int k = 0; k < 3; k++)
                {
                    int t = (k + r) % 3;
                    MountBenchmarks.DropCachesNow();
                    long busy = BusyTicks();
                    results[1, t, r] = MountBenchmarks.SeqRead(dirs[t]);
                    readCpu[t, r] = (BusyTicks() - busy) / 100.0;
                }
                for (int k = 0; k < 3; k++)
                {
                    int t = (k + r) % 3;
                    MountBenchmarks.DropCachesNow();
                    results[2, t, r] = MountBenchmarks.RandRead(dirs[t]);
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {r + 1}: load {load} | write MB/s enc {results[0, 0, r]:F0} plain {results[0, 1, r]:F0} tmpfs {results[0, 2, r]:F0} (enc/plain {results[0, 0, r] / results[0, 1, r]:F2})" +
                    $" | read MB/s enc {results[1, 0, r]:F0} plain {results[1, 1, r]:F0} tmpfs {results[1, 2, r]:F0} (enc/plain {results[1, 0, r] / results[1, 1, r]:F2})" +
                    $" | read CPU s enc {readCpu[0, r]:F2} plain {readCpu[1, r]:F2}" +
                    $" | 4K IOPS enc {results[2, 0, r]:F0} plain {results[2, 1, r]:F0} tmpfs {results[2, 2, r]:F0}"));
            }
            Report(results, rounds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Busy CPU during the 1 GiB read (both cores, fio start-up included), median: encrypted {Median(Enumerable.Range(0, rounds).Select(r => readCpu[0, r])):F2} s, " +
                $"plain mount {Median(Enumerable.Range(0, rounds).Select(r => readCpu[1, r])):F2} s"));
        }
        catch (Exception e)
        {
            // Caught so that the finally below runs: an unhandled exception would end the process without it and
            // leave the mounts and the 2.5 GiB of backing files in /dev/shm.
            Console.Error.WriteLine($"mount-ab failed: {e.Message}");
            Environment.ExitCode = 1;
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static void Report(double[,,] results, int rounds)
    {
        string[] tests = ["SeqWrite 1 GiB (MB/s)", "SeqRead 1 GiB (MB/s)", "RandRead 4 KiB (IOPS)"];
        Console.WriteLine();
        Console.WriteLine("Medians over rounds (ratios: median of the per-round ratios)");
        Console.WriteLine($"{"test",-24}{"encrypted",12}{"plain mount",13}{"tmpfs",12}{"enc/plain",11}{"enc/tmpfs",11}{"plain/tmpfs",13}");
        var encPlain = new double[3];
        double encRead = 0;
        for (int t = 0; t < 3; t++)
        {
            double Med(int target) => Median(Enumerable.Range(0, rounds).Select(r => results[t, target, r]));
            double Ratio(int a, int b) => Median(Enumerable.Range(0, rounds).Select(r => results[t, a, r] / results[t, b, r]));
            encPlain[t] = Ratio(0, 1);
            if (t == 1) encRead = Med(0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{tests[t],-24}{Med(0),12:F0}{Med(1),13:F0}{Med(2),12:F0}{encPlain[t],11:F2}{Ratio(0, 2),11:F3}{Ratio(1, 2),13:F3}"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Goals: write enc/plain {encPlain[0]:F2} (>= 0.85: {(encPlain[0] >= 0.85 ? "met" : "NOT met")}), " +
            $"read enc/plain {encPlain[1]:F2} (>= 0.85: {(encPlain[1] >= 0.85 ? "met" : "NOT met")}), " +
            $"encrypted read {encRead / 1000:F2} GB/s (>= 1 GB/s: {(encRead >= 1000 ? "met" : "NOT met")}); load now {LoadAverage()}"));
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

}
