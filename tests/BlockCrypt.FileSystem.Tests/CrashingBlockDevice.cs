using BlockCrypt.Storage;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>Passes the first <see cref="Limit"/> writes to the inner device and silently drops every later one (power cut).</summary>
internal sealed class CrashingBlockDevice(IBlockDevice inner, long limit) : IBlockDevice
{
    private long _writes;

    public long Limit { get; set; } = limit;
    public long Writes => Interlocked.Read(ref _writes);
    public int SectorSize => inner.SectorSize;
    public long SectorCount => inner.SectorCount;
    public bool IsReadOnly => false;
    public bool CanDiscard => false;

    public void Read(long firstSector, Span<byte> destination) => inner.Read(firstSector, destination);

    public void Write(long firstSector, ReadOnlySpan<byte> source)
    {
        if (Interlocked.Increment(ref _writes) <= Limit) inner.Write(firstSector, source);
    }

    public void Flush() { }
    public void Discard(long firstSector, long sectorCount) { }
    public void Dispose() { }
}
