namespace BlockCrypt.Crypto;

/// <summary>Multi-core entry points for large requests.</summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>Requests of at least this many bytes are split across cores by the *Parallel methods.</summary>
    public const int ParallelThreshold = 256 * 1024;

    /// <summary>
    /// Like <see cref="EncryptSectors"/>, but a request of <see cref="ParallelThreshold"/> bytes or more is split into
    /// runs of whole sectors that the calling thread and up to three dedicated background worker threads (one per
    /// further core, shared by the whole process) process at once. Smaller requests, a single-core machine, or a call
    /// made while another thread's parallel request holds the workers run inline on the calling thread. Same arguments,
    /// same result, same buffer rules; the call returns only when every sector is done.
    /// </summary>
    /// <remarks>
    /// The fork-join costs well under 10 µs when the worker is awake, which it is when large requests come back to back
    /// (after each request a worker spins for about 100 µs waiting for the next one, then parks; an idle process uses no
    /// CPU). On this project's 2-core VM a 1 MiB AES-256-XTS request of 4 KiB sectors then takes about 99-106 µs against
    /// about 195 µs on one thread (best calls measured; the benchmark is <c>XtsParallelBenchmarks</c>). A parked worker
    /// takes tens of µs to wake, and on a machine whose other core is busy it may not run at all: the request then finishes
    /// on the calling thread at about single-thread speed.
    /// </remarks>
    public void EncryptSectorsParallel(ReadOnlySpan<byte> source, Span<byte> destination, ulong firstSector, int sectorSize) =>
        ProcessParallel(encrypt: true, source, destination, firstSector, sectorSize);

    /// <summary>Like <see cref="DecryptSectors"/>, split across cores as <see cref="EncryptSectorsParallel"/> does.</summary>
    public void DecryptSectorsParallel(ReadOnlySpan<byte> source, Span<byte> destination, ulong firstSector, int sectorSize) =>
        ProcessParallel(encrypt: false, source, destination, firstSector, sectorSize);

    private void ProcessParallel(bool encrypt, ReadOnlySpan<byte> source, Span<byte> destination, ulong firstSector, int sectorSize)
    {
        int count = ValidateSectors(source, destination, sectorSize);
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            // The buffers stay pinned by the fixed statements until TryRun returns, and TryRun returns only when no
            // worker can touch them any more (see ParallelPool).
            if (source.Length < ParallelThreshold || count < 2 || ParallelPool.WorkerCount == 0
                || !ParallelPool.Instance.TryRun(this, encrypt, src, dst, sectorSize, count, firstSector))
            {
                Process(encrypt, src, dst, sectorSize, count, firstSector);
            }
        }

        GC.KeepAlive(this);
    }
}
