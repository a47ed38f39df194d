namespace BlockCrypt.Volume;

/// <summary>Large requests: backing I/O and XTS of different chunks overlap across cores.</summary>
public sealed unsafe partial class EncryptedBlockDevice
{
    /// <summary>Reads of at least this many bytes are split into chunks that read and decrypt in parallel.</summary>
    private const int ParallelReadThreshold = 512 * 1024;

    /// <summary>Chunk size: a whole number of sectors of every supported size.</summary>
    private const int ReadChunk = 128 * 1024;

    private void ReadParallel(long firstSector, Span<byte> destination)
    {
        int sectorsPerChunk = Math.Max(1, ReadChunk / SectorSize);
        int sectors = destination.Length / SectorSize;
        int chunks = (sectors + sectorsPerChunk - 1) / sectorsPerChunk;
        fixed (byte* buffer = destination)
        {
            // The buffer stays pinned until Parallel.For returns, after every chunk has finished.
            var job = new ReadJob(this, buffer, firstSector, sectors, sectorsPerChunk);
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job.Run);
        }
    }

    /// <summary>Encrypts chunks of <paramref name="source"/> into <paramref name="scratch"/> and writes each, on several cores.</summary>
    private void WriteParallel(long firstSector, ReadOnlySpan<byte> source, Span<byte> scratch)
    {
        int sectorsPerChunk = Math.Max(1, ReadChunk / SectorSize);
        int sectors = source.Length / SectorSize;
        int chunks = (sectors + sectorsPerChunk - 1) / sectorsPerChunk;
        fixed (byte* src = source)
        fixed (byte* dst = scratch)
        {
            var job = new WriteJob(this, src, dst, firstSector, sectors, sectorsPerChunk);
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job.Run);
        }
    }

    private sealed class WriteJob(EncryptedBlockDevice device, byte* source, byte* scratch, long firstSector, int sectors, int sectorsPerChunk)
    {
        public void Run(int chunk)
        {
            int start = chunk * sectorsPerChunk;
            int count = Math.Min(sectorsPerChunk, sectors - start);
            long offset = (long)start * device.SectorSize;
            var plain = new ReadOnlySpan<byte>(source + offset, count * device.SectorSize);
            var cipher = new Span<byte>(scratch + offset, count * device.SectorSize);
            long sector = firstSector + start;
            device._xts.EncryptSectors(plain, cipher, (ulong)sector, device.SectorSize);
            device._backing.Write(device._backingFirst + sector * device._ratio, cipher);
        }
    }

    private sealed class ReadJob(EncryptedBlockDevice device, byte* buffer, long firstSector, int sectors, int sectorsPerChunk)
    {
        public void Run(int chunk)
        {
            int start = chunk * sectorsPerChunk;
            int count = Math.Min(sectorsPerChunk, sectors - start);
            var span = new Span<byte>(buffer + (long)start * device.SectorSize, count * device.SectorSize);
            long sector = firstSector + start;
            device.ReadThenDecrypt(sector, span);
        }
    }
}
