using System.Diagnostics.CodeAnalysis;

namespace BlockCrypt.Storage;

/// <summary>Argument checks shared by <see cref="IBlockDevice"/> implementations; throw helpers keep callers small.</summary>
public static class BlockDeviceGuard
{
    /// <summary>Checks that <paramref name="byteLength"/> is whole sectors inside the device; returns the sector count.</summary>
    public static long CheckRange(IBlockDevice device, long firstSector, int byteLength)
    {
        int sectorSize = device.SectorSize;
        if (byteLength % sectorSize != 0)
            ThrowNotWholeSectors(byteLength, sectorSize);
        long count = byteLength / sectorSize;
        if (firstSector < 0 || firstSector > device.SectorCount - count)
            ThrowOutOfRange(firstSector, count, device.SectorCount);
        return count;
    }

    /// <summary>Checks a discard range.</summary>
    public static void CheckDiscard(IBlockDevice device, long firstSector, long sectorCount)
    {
        if (sectorCount < 0 || firstSector < 0 || firstSector > device.SectorCount - sectorCount)
            ThrowOutOfRange(firstSector, sectorCount, device.SectorCount);
    }

    [DoesNotReturn]
    public static void ThrowNotWholeSectors(int byteLength, int sectorSize) =>
        throw new ArgumentException($"The buffer length {byteLength} is not a whole number of {sectorSize}-byte sectors.");

    [DoesNotReturn]
    public static void ThrowOutOfRange(long firstSector, long count, long sectorCount) =>
        throw new ArgumentOutOfRangeException(nameof(firstSector),
            $"Sectors {firstSector}..{firstSector + count - 1} are outside the device's {sectorCount} sectors.");

    [DoesNotReturn]
    public static void ThrowReadOnly() => throw new BlockDeviceException("The device is read-only.");

    /// <summary>Checks a sector size: a power of two from 512 to 65536.</summary>
    public static void CheckSectorSize(int sectorSize)
    {
        if (sectorSize < 512 || sectorSize > 65536 || (sectorSize & (sectorSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(sectorSize), $"Sector size {sectorSize} is not a power of two from 512 to 65536.");
    }
}
