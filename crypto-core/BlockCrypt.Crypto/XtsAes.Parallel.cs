namespace BlockCrypt.Crypto;

/// <summary>Multi-core entry points for large requests.</summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>Requests of at least this many bytes are split across cores by the *Parallel methods.</summary>
    public const int ParallelThreshold = 256 * 1024;

    /// <summary>
    /// Work-item size: small enough that a late or busy worker does not hold the request up (the calling thread keeps
    /// taking chunks), large enough that the per-chunk cost (a delegate call, a tweak encryption) is noise.
    /// </summary>
    private const int ParallelChunkBytes = 64 * 1024;

    /// <summary>
    /// Like <see cref="EncryptSectors"/>, but a request of <see cref="ParallelThreshold"/> bytes or more is split into
    /// chunks of whole sectors that run on the thread pool and the calling thread at once. Smaller requests, or a
    /// single-core machine, run inline. Same arguments, same result, same buffer rules.
    /// </summary>
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
            if (source.Length < ParallelThreshold || Environment.ProcessorCount < 2 || count < 2)
            {
                Process(encrypt, src, dst, sectorSize, count, firstSector);
                return;
            }

            int perChunk = Math.Max(1, ParallelChunkBytes / sectorSize);
            int chunks = (count + perChunk - 1) / perChunk;
            // Spans cannot be captured; the buffers stay pinned by the fixed statements until Parallel.For returns.
            // One closure and Parallel.For's own bookkeeping are the only allocations.
            nint s = (nint)src, d = (nint)dst;
            Parallel.For(0, chunks, i =>
            {
                int first = i * perChunk;
                int n = Math.Min(perChunk, count - first);
                nint offset = (nint)first * sectorSize;
                Process(encrypt, (byte*)(s + offset), (byte*)(d + offset), sectorSize, n, (UInt128)firstSector + (UInt128)first);
            });
        }
    }
}
