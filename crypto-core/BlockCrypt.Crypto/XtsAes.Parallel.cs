namespace BlockCrypt.Crypto;

/// <summary>Multi-core entry points for large requests.</summary>
public sealed unsafe partial class XtsAes
{
    /// <summary>Requests of at least this many bytes are split across cores by the *Parallel methods.</summary>
    public const int ParallelThreshold = 256 * 1024;

    /// <summary>
    /// Work-item size: small enough that the calling thread can pick up the work of a worker that starts late (a busy
    /// machine) and that a preempted worker holds little back; large enough that claiming a chunk (one interlocked
    /// increment) and its tweak encryption are noise next to ~10 µs of AES.
    /// </summary>
    private const int ParallelChunkBytes = 64 * 1024;

    /// <summary>
    /// Like <see cref="EncryptSectors"/>, but a request of <see cref="ParallelThreshold"/> bytes or more is split into
    /// chunks of whole sectors that run on thread-pool threads and the calling thread at once. Smaller requests, or a
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
        int workers = Math.Min(Environment.ProcessorCount, source.Length / ParallelChunkBytes) - 1;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            if (source.Length < ParallelThreshold || workers < 1 || count < 2)
            {
                Process(encrypt, src, dst, sectorSize, count, firstSector);
                GC.KeepAlive(this);
                return;
            }

            // The buffers stay pinned by the fixed statements until Run returns, and Run returns only after every
            // claimed chunk is finished; a worker that starts later finds no chunk left and never touches them.
            new ParallelJob(this, encrypt, src, dst, sectorSize, count, firstSector).Run(workers);
        }

        GC.KeepAlive(this);
    }

    /// <summary>
    /// A light fork-join (cheaper than Parallel.For for a 100 µs request): chunks of whole sectors are claimed with an
    /// interlocked counter by the caller and by <c>workers</c> thread-pool items; the caller then waits, spinning
    /// without sleeping, only for chunks already claimed by workers. One small object per request is the only allocation.
    /// </summary>
    private sealed class ParallelJob : IThreadPoolWorkItem
    {
        private readonly XtsAes _engine;
        private readonly bool _encrypt;
        private readonly byte* _src;
        private readonly byte* _dst;
        private readonly int _sectorSize;
        private readonly int _count;
        private readonly UInt128 _firstSector;
        private readonly int _perChunk;
        private readonly int _chunks;
        private int _next;
        private int _done;

        public ParallelJob(XtsAes engine, bool encrypt, byte* src, byte* dst, int sectorSize, int count, UInt128 firstSector)
        {
            _engine = engine;
            _encrypt = encrypt;
            _src = src;
            _dst = dst;
            _sectorSize = sectorSize;
            _count = count;
            _firstSector = firstSector;
            _perChunk = Math.Max(1, ParallelChunkBytes / sectorSize);
            _chunks = (count + _perChunk - 1) / _perChunk;
        }

        public void Run(int workers)
        {
            for (int i = 0; i < workers; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }

            Execute();
            var spin = default(SpinWait);
            while (Volatile.Read(ref _done) < _chunks)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        public void Execute()
        {
            int chunk;
            while ((chunk = Interlocked.Increment(ref _next) - 1) < _chunks)
            {
                int first = chunk * _perChunk;
                int n = Math.Min(_perChunk, _count - first);
                nint offset = (nint)first * _sectorSize;
                _engine.Process(_encrypt, _src + offset, _dst + offset, _sectorSize, n, _firstSector + (UInt128)first);
                Interlocked.Increment(ref _done);
            }
        }
    }
}
