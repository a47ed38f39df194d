using System.Runtime.InteropServices;

namespace BlockCrypt.Storage;

/// <summary>
/// A block device in native memory (not on the GC heap, so multi-GiB devices do not stress the GC).
/// Used by tests and benchmarks. Thread-safe for disjoint ranges.
/// </summary>
public sealed unsafe class MemoryBlockDevice : IBlockDevice
{
    private byte* _data;
    private readonly long _length;

    public MemoryBlockDevice(long sectorCount, int sectorSize = 4096)
    {
        BlockDeviceGuard.CheckSectorSize(sectorSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectorCount);
        SectorSize = sectorSize;
        SectorCount = sectorCount;
        _length = checked(sectorCount * sectorSize);
        _data = (byte*)NativeMemory.AllocZeroed((nuint)_length);
    }

    public int SectorSize { get; }
    public long SectorCount { get; }
    public bool IsReadOnly { get; init; }
    public bool CanDiscard => true;

    /// <summary>Counts calls to <see cref="Flush"/> (tests check that writers flush).</summary>
    public int FlushCount => _flushCount;
    private int _flushCount;

    public void Read(long firstSector, Span<byte> destination)
    {
        BlockDeviceGuard.CheckRange(this, firstSector, destination.Length);
        new ReadOnlySpan<byte>(Pointer(firstSector), destination.Length).CopyTo(destination);
    }

    public void Write(long firstSector, ReadOnlySpan<byte> source)
    {
        if (IsReadOnly) BlockDeviceGuard.ThrowReadOnly();
        BlockDeviceGuard.CheckRange(this, firstSector, source.Length);
        source.CopyTo(new Span<byte>(Pointer(firstSector), source.Length));
    }

    public void Flush() => Interlocked.Increment(ref _flushCount);

    public void Discard(long firstSector, long sectorCount)
    {
        if (IsReadOnly) BlockDeviceGuard.ThrowReadOnly();
        BlockDeviceGuard.CheckDiscard(this, firstSector, sectorCount);
        NativeMemory.Clear(Pointer(firstSector), (nuint)(sectorCount * SectorSize));
    }

    /// <summary>A view of the whole content (for tests: inspect or corrupt bytes directly).</summary>
    public Span<byte> GetSpan(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, _length);
        ObjectDisposedException.ThrowIf(_data == null, this);
        return new Span<byte>(_data + offset, length);
    }

    private byte* Pointer(long firstSector)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        return _data + firstSector * SectorSize;
    }

    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.Free(_data);
            _data = null;
        }
    }
}
