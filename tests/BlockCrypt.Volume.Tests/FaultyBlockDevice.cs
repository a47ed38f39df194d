using BlockCrypt.Storage;

namespace BlockCrypt.Volume.Tests;

/// <summary>
/// Passes I/O to an inner device until <see cref="WritesLeft"/> reaches zero; the next write is torn (only its first
/// half reaches the device) and throws, and every later write throws too: a power cut in the middle of an update.
/// </summary>
internal sealed class FaultyBlockDevice(IBlockDevice inner) : IBlockDevice
{
    public int WritesLeft { get; set; } = int.MaxValue;
    public int Writes { get; private set; }
    public bool Tripped { get; private set; }
    public int SectorSize => inner.SectorSize;
    public long SectorCount => inner.SectorCount;
    public bool IsReadOnly => inner.IsReadOnly;
    public bool CanDiscard => inner.CanDiscard;
    public void Read(long firstSector, Span<byte> destination) => inner.Read(firstSector, destination);

    public void Write(long firstSector, ReadOnlySpan<byte> source)
    {
        if (Tripped) throw new BlockDeviceException("power is off");
        if (WritesLeft == 0)
        {
            Tripped = true;
            int half = source.Length / SectorSize / 2 * SectorSize;
            if (half > 0) inner.Write(firstSector, source[..half]);
            throw new BlockDeviceException("power cut during write");
        }
        WritesLeft--;
        Writes++;
        inner.Write(firstSector, source);
    }

    public void Flush()
    {
        if (Tripped) throw new BlockDeviceException("power is off");
        inner.Flush();
    }

    public void Discard(long firstSector, long sectorCount) => inner.Discard(firstSector, sectorCount);
    public void Dispose() { }
}
