namespace BlockCrypt.Storage;

/// <summary>
/// A device that can hand out sectors in place, without copying them: the page-cache resident ranges of a
/// memory-mapped file. A reader that transforms what it reads (the encrypted device decrypting) then reads straight
/// from the cache into its own destination, instead of copying into the destination and transforming it there.
/// </summary>
public unsafe interface IResidentReadable
{
    /// <summary>
    /// The address of the <paramref name="byteCount"/> bytes from sector <paramref name="firstSector"/> when they are
    /// all in memory now, or null when they are not (or the device cannot tell): then use <see cref="IBlockDevice.Read"/>.
    /// The memory is read-only and stays valid until the device is disposed; concurrent writes show through it.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a whole number of sectors.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range runs past the device's end.</exception>
    byte* TryGetResident(long firstSector, int byteCount);
}
