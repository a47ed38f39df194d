using System.Diagnostics;

namespace BlockCrypt.Volume.Kdf;

/// <summary>
/// How a new passphrase or recovery protector picks its Argon2id cost, like LUKS2's <c>--pbkdf-memory</c>,
/// <c>--iter-time</c> and <c>--pbkdf-force-iterations</c>. With nothing set, the cost is calibrated to about 2 s with up
/// to 1 GiB of memory (at most half the machine's RAM) and 4 lanes.
/// </summary>
public sealed record KdfOptions
{
    /// <summary>Default target time of a calibrated derivation.</summary>
    public const int DefaultIterTimeMs = 2000;

    /// <summary>Default and maximum calibrated memory: 1 GiB.</summary>
    public const int DefaultMaxMemoryKiB = 1024 * 1024;

    /// <summary>Default lanes (LUKS2 uses 4).</summary>
    public const int DefaultLanes = 4;

    /// <summary>Memory in KiB; when set with <see cref="ForceIterations"/> no calibration runs.</summary>
    public int? MemoryKiB { get; init; }

    /// <summary>Target derivation time in ms for calibration.</summary>
    public int? IterTimeMs { get; init; }

    /// <summary>Fixed number of passes (skips the time calibration of passes).</summary>
    public int? ForceIterations { get; init; }

    /// <summary>Lanes (default 4).</summary>
    public int Lanes { get; init; } = DefaultLanes;

    /// <summary>Cheap fixed parameters for tests: 8 MiB, 1 pass, 1 lane (the documented floor).</summary>
    public static KdfOptions Minimal { get; } = new() { MemoryKiB = Argon2idParameters.MinMemoryKiB, ForceIterations = 1, Lanes = 1 };

    /// <summary>Resolves these options into concrete parameters, calibrating on this machine when needed.</summary>
    /// <exception cref="VolumeException">An explicit value is out of bounds (<see cref="VolumeErrorCode.InvalidArgument"/>).</exception>
    public Argon2idParameters Resolve()
    {
        int lanes = Lanes;
        int maxMemory = MemoryKiB ?? (int)Math.Min(DefaultMaxMemoryKiB, Math.Max(Argon2idParameters.MinMemoryKiB, HalfRamKiB()));
        Argon2idParameters result;
        if (ForceIterations is int t)
        {
            result = new Argon2idParameters(maxMemory, t, lanes);
        }
        else
        {
            int targetMs = IterTimeMs ?? DefaultIterTimeMs;
            if (targetMs < 1 || targetMs > 60_000) throw Invalid($"--iter-time {targetMs} ms is outside 1..60000");
            result = Calibrate(maxMemory, lanes, targetMs);
        }
        string? problem = result.CheckBounds();
        if (problem is not null) throw Invalid(problem);
        return result;
    }

    private static VolumeException Invalid(string message) => new(VolumeErrorCode.InvalidArgument, message + ".");

    /// <summary>
    /// Measures one pass over a small probe (16 MiB) to get a rate in KiB-passes per ms and spends the time budget on
    /// memory first (up to <paramref name="maxMemoryKiB"/>), then measures one pass at that memory (larger memory runs
    /// slower per KiB: caches, page faults) and rescales, putting what remains into extra passes — memory is what makes
    /// guessing expensive on GPUs (RFC 9106 §4). Like LUKS2, the result is approximate on a busy machine.
    /// </summary>
    private static Argon2idParameters Calibrate(int maxMemoryKiB, int lanes, int targetMs)
    {
        const int probeKiB = 16 * 1024;
        int memory = Math.Min(probeKiB, maxMemoryKiB);
        double budget = 0;
        for (int round = 0; round < 2; round++)
        {
            double ms = Measure(new Argon2idParameters(memory, 1, lanes));
            budget = memory / ms * targetMs; // KiB-passes affordable in the target time
            int next = (int)Math.Clamp(budget, Argon2idParameters.MinMemoryKiB, maxMemoryKiB);
            if (next <= memory) break;
            memory = next;
        }
        memory = (int)Math.Clamp(Math.Min(memory, budget), Argon2idParameters.MinMemoryKiB, maxMemoryKiB);
        int iterations = (int)Math.Clamp(budget / memory, Argon2idParameters.MinIterations, Argon2idParameters.MaxIterations);
        return new Argon2idParameters(memory, iterations, lanes);
    }

    private static double Measure(Argon2idParameters parameters)
    {
        Span<byte> output = stackalloc byte[32];
        Span<byte> salt = stackalloc byte[16];
        var watch = Stopwatch.StartNew();
        Argon2idKdf.Derive("calibration"u8, salt, parameters, output);
        return Math.Max(1.0, watch.Elapsed.TotalMilliseconds);
    }

    private static long HalfRamKiB()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return total <= 0 ? DefaultMaxMemoryKiB : total / 2 / 1024;
    }
}
