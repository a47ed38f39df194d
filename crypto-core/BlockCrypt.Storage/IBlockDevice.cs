namespace BlockCrypt.Storage;

/// <summary>
/// A device addressed in whole sectors. The bottom of every BlockCrypt storage stack: the encrypted
/// volume exposes one, the FAT32 filesystem consumes one.
/// </summary>
/// <remarks>
/// Threading: implementations accept concurrent <see cref="Read"/> and <see cref="Write"/> calls on
/// disjoint sector ranges from any number of threads (the mount host is multithreaded). Overlapping
/// concurrent writes have no defined order. <see cref="Flush"/> may run concurrently with I/O and makes
/// every write that completed before it was called durable.
/// </remarks>
public interface IBlockDevice : IDisposable
{
    /// <summary>Bytes per sector: a power of two, 512 to 65536.</summary>
    int SectorSize { get; }

    /// <summary>Number of addressable sectors.</summary>
    long SectorCount { get; }

    /// <summary>True when <see cref="Write"/> and <see cref="Discard"/> throw.</summary>
    bool IsReadOnly { get; }

    /// <summary>True when <see cref="Discard"/> releases backing storage (hole punching); otherwise it is a no-op.</summary>
    bool CanDiscard { get; }

    /// <summary>Reads <c>destination.Length / SectorSize</c> whole sectors starting at <paramref name="firstSector"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of sectors.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range runs past <see cref="SectorCount"/>.</exception>
    /// <exception cref="BlockDeviceException">The backing store failed.</exception>
    void Read(long firstSector, Span<byte> destination);

    /// <summary>Writes <c>source.Length / SectorSize</c> whole sectors starting at <paramref name="firstSector"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of sectors.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range runs past <see cref="SectorCount"/>.</exception>
    /// <exception cref="BlockDeviceException">The backing store failed or the device is read-only.</exception>
    void Write(long firstSector, ReadOnlySpan<byte> source);

    /// <summary>Makes every completed write durable (fsync of the backing store).</summary>
    void Flush();

    /// <summary>Tells the device the sectors are no longer used. Their content is undefined afterwards.</summary>
    void Discard(long firstSector, long sectorCount);
}
