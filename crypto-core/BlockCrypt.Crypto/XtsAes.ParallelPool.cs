using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace BlockCrypt.Crypto;

public sealed unsafe partial class XtsAes
{
    /// <summary>
    /// The process-wide fork-join helper behind the *Parallel entry points: a few dedicated background threads, started
    /// on first use, and one job slot that a single caller at a time owns (a second concurrent caller runs inline, which
    /// on a machine whose cores are already busy with the first caller is the fastest thing it can do).
    /// </summary>
    /// <remarks>
    /// <para>Why not the thread pool: waking a pool thread (futex wake + scheduling) costs 20-50 µs here, a quarter of a
    /// ~200 µs 1 MiB request, and the caller then finished its half long before the late worker. A dedicated worker
    /// spins for <see cref="SpinMicroseconds"/> after each job, so back-to-back large requests (a streaming filesystem)
    /// find it awake, then parks on a semaphore: an idle process costs no CPU.</para>
    /// <para>Work sharing (guided self-scheduling from two ends): the caller claims runs of sectors from the front, the
    /// workers from the back, each claim taking 1/<c>participants</c> of what is left but never less than
    /// <see cref="MinChunkBytes"/>. With the worker awake that is a static half/half split (two claims, and each core
    /// keeps touching the same half of the buffers); with a late or preempted worker the caller keeps claiming and the
    /// request finishes on one core; the last claims are small so neither side waits long for the other.</para>
    /// <para>Safety: the caller's buffers are pinned only during its call, so a worker may touch them only while the
    /// caller is inside <see cref="TryRun"/>. A worker announces itself (<c>_active</c>++) before it reads the job and
    /// goes away without touching anything if the job it was woken for is no longer open; the caller closes the job and
    /// then waits until <c>_active</c> is zero (both sides use full-fence interlocked operations, so one of them always
    /// sees the other). The caller never waits for a worker that has not entered, so a worker that never wakes costs
    /// speed, not correctness.</para>
    /// </remarks>
    internal sealed class ParallelPool
    {
        /// <summary>How long a worker spins after a job before it parks.</summary>
        internal const int SpinMicroseconds = 100;

        /// <summary>Smallest claim, so the last claims of a request leave at most a few µs of imbalance.</summary>
        private const int MinChunkBytes = 4 * 1024;

        /// <summary>Beyond 4-way a 1 MiB request gains little, and every extra worker would spin after each job.</summary>
        private const int MaxWorkers = 3;

        private static readonly long SpinTicks = SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
        private static readonly Lock CreateLock = new();
        private static ParallelPool? s_instance;

        private readonly Worker[] _workers;
        private int _busy;
        private long _generation;
        private long _open;
        private int _active;
        private ExceptionDispatchInfo? _failure;

        // The job; written by the owner of _busy before _open/_generation publish it.
        private XtsAes? _engine;
        private bool _encrypt;
        private byte* _src;
        private byte* _dst;
        private int _sectorSize;
        private UInt128 _firstSector;
        private int _minChunk;

        /// <summary>Unclaimed sectors: low 32 bits the front index, high 32 bits the back index (exclusive).</summary>
        private long _range;

        private ParallelPool(int workers)
        {
            _workers = new Worker[workers];
            for (int i = 0; i < workers; i++)
            {
                var worker = new Worker();
                _workers[i] = worker;
                worker.Thread = new Thread(() => WorkerLoop(worker))
                {
                    IsBackground = true,
                    Name = "BlockCrypt XTS worker",
                };
                worker.Thread.Start();
            }
        }

        /// <summary>Helper threads this machine gets (0 on a single core: the *Parallel methods then run inline).</summary>
        internal static int WorkerCount => Math.Clamp(Environment.ProcessorCount - 1, 0, MaxWorkers);

        /// <summary>The pool, created with its threads on first use; null until then (tests inspect it).</summary>
        internal static ParallelPool? Current => Volatile.Read(ref s_instance);

        /// <summary>The worker threads (tests check that they are background threads and park when idle).</summary>
        internal IEnumerable<Thread> Threads => _workers.Select(w => w.Thread!);

        /// <summary>The pool, created (with its threads) on first use.</summary>
        internal static ParallelPool Instance => Volatile.Read(ref s_instance) ?? Create();

        /// <summary>
        /// Runs <paramref name="count"/> sectors on the caller and the workers; returns false at once, having done
        /// nothing, when another caller owns the pool. Returns only after every sector is done and no worker can touch
        /// the buffers any more.
        /// </summary>
        public bool TryRun(XtsAes engine, bool encrypt, byte* src, byte* dst, int sectorSize, int count, UInt128 firstSector)
        {
            if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                return false;
            }

            _engine = engine;
            _encrypt = encrypt;
            _src = src;
            _dst = dst;
            _sectorSize = sectorSize;
            _firstSector = firstSector;
            _minChunk = Math.Max(1, MinChunkBytes / sectorSize);
            _range = (long)count << 32;
            long generation = _generation + 1;
            Volatile.Write(ref _open, generation);
            Interlocked.Exchange(ref _generation, generation); // full fence before reading the Sleeping flags
            foreach (Worker worker in _workers)
            {
                if (Volatile.Read(ref worker.Sleeping) != 0 && Interlocked.Exchange(ref worker.Sleeping, 0) != 0)
                {
                    worker.Signal.Release();
                }
            }

            ExceptionDispatchInfo? failure;
            try
            {
                Claim(fromFront: true);
            }
            finally
            {
                // Close first (no worker enters after this), then wait for the ones inside: they finish the run they
                // claimed and find nothing more. Yield rather than sleep so a preempted worker gets its core back.
                Interlocked.Exchange(ref _open, 0);
                var spin = default(SpinWait);
                while (Volatile.Read(ref _active) != 0)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                _engine = null;
                _src = null;
                _dst = null;
                failure = _failure;
                _failure = null;
                Volatile.Write(ref _busy, 0);
            }

            failure?.Throw();
            return true;
        }

        /// <summary>Claims and processes runs of sectors until none is left.</summary>
        private void Claim(bool fromFront)
        {
            int participants = _workers.Length + 1;
            while (true)
            {
                long old = Volatile.Read(ref _range);
                int front = (int)old;
                int back = (int)(old >> 32);
                int left = back - front;
                if (left <= 0)
                {
                    return;
                }

                int run = Math.Min(left, Math.Max(_minChunk, left / participants));
                int first = fromFront ? front : back - run;
                long claimed = fromFront ? ((long)back << 32) | (uint)(front + run) : ((long)(back - run) << 32) | (uint)front;
                if (Interlocked.CompareExchange(ref _range, claimed, old) != old)
                {
                    continue;
                }

                nint offset = (nint)first * _sectorSize;
                _engine!.Process(_encrypt, _src + offset, _dst + offset, _sectorSize, run, _firstSector + (UInt128)(uint)first);
            }
        }

        private void WorkerLoop(Worker self)
        {
            long seen = 0;
            while (true)
            {
                long generation = WaitForJob(self, seen);
                seen = generation;
                Interlocked.Increment(ref _active); // full fence: pairs with the caller's close of _open
                try
                {
                    if (Volatile.Read(ref _open) == generation)
                    {
                        Claim(fromFront: false);
                    }
                }
                catch (Exception e)
                {
                    // Unreachable with the AES-NI and ARM kernels; the portable tier calls the BCL. Hand it to the caller.
                    Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                }
                finally
                {
                    Interlocked.Decrement(ref _active);
                }
            }
        }

        /// <summary>Spins for a new generation, then parks until a caller releases the worker.</summary>
        private long WaitForJob(Worker self, long seen)
        {
            long start = Stopwatch.GetTimestamp();
            while (true)
            {
                long generation = Volatile.Read(ref _generation);
                if (generation != seen)
                {
                    return generation;
                }

                if (Stopwatch.GetTimestamp() - start < SpinTicks)
                {
                    Thread.SpinWait(8);
                    continue;
                }

                // Park. Flag first (full fence), then look again: a caller that published after our look sees the flag
                // and releases us. If a job came meanwhile and a caller already took the flag, its Release is coming:
                // consume it so the semaphore count stays zero.
                Interlocked.Exchange(ref self.Sleeping, 1);
                if (Volatile.Read(ref _generation) == seen || Interlocked.Exchange(ref self.Sleeping, 0) == 0)
                {
                    self.Signal.Wait();
                }

                start = Stopwatch.GetTimestamp();
            }
        }

        private static ParallelPool Create()
        {
            lock (CreateLock)
            {
                ParallelPool? pool = s_instance;
                if (pool is null)
                {
                    pool = new ParallelPool(WorkerCount);
                    Volatile.Write(ref s_instance, pool);
                }

                return pool;
            }
        }

        private sealed class Worker
        {
            public readonly SemaphoreSlim Signal = new(0);
            public Thread? Thread;
            public int Sleeping;
        }
    }
}
