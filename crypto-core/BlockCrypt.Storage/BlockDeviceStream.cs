using System.Buffers;

namespace BlockCrypt.Storage;

/// <summary>
/// A byte-addressed <see cref="Stream"/> over an <see cref="IBlockDevice"/>, for convenience (tools, tests).
/// Partial sectors are read, modified and written back. Not thread-safe (it has a position).
/// </summary>
public sealed class BlockDeviceStream : Stream
{
    private readonly IBlockDevice _device;
    private readonly bool _leaveOpen;
    private long _position;

    public BlockDeviceStream(IBlockDevice device, bool leaveOpen = true)
    {
        _device = device;
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => !_device.IsReadOnly;
    public override long Length => _device.SectorCount * _device.SectorSize;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long remaining = Length - _position;
        if (remaining <= 0) return 0;
        if (buffer.Length > remaining) buffer = buffer[..(int)remaining];
        int total = buffer.Length;
        int ss = _device.SectorSize;
        while (!buffer.IsEmpty)
        {
            long sector = _position / ss;
            int inSector = (int)(_position % ss);
            if (inSector == 0 && buffer.Length >= ss)
            {
                int whole = buffer.Length / ss * ss;
                _device.Read(sector, buffer[..whole]);
                Advance(ref buffer, whole);
            }
            else
            {
                byte[] tmp = ArrayPool<byte>.Shared.Rent(ss);
                try
                {
                    _device.Read(sector, tmp.AsSpan(0, ss));
                    int n = Math.Min(ss - inSector, buffer.Length);
                    tmp.AsSpan(inSector, n).CopyTo(buffer);
                    Advance(ref buffer, n);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(tmp, clearArray: true);
                }
            }
        }
        return total;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_position + buffer.Length > Length)
            throw new IOException($"Writing {buffer.Length} bytes at {_position} would run past the device's end ({Length} bytes).");
        int ss = _device.SectorSize;
        while (!buffer.IsEmpty)
        {
            long sector = _position / ss;
            int inSector = (int)(_position % ss);
            if (inSector == 0 && buffer.Length >= ss)
            {
                int whole = buffer.Length / ss * ss;
                _device.Write(sector, buffer[..whole]);
                buffer = buffer[whole..];
                _position += whole;
            }
            else
            {
                byte[] tmp = ArrayPool<byte>.Shared.Rent(ss);
                try
                {
                    _device.Read(sector, tmp.AsSpan(0, ss));
                    int n = Math.Min(ss - inSector, buffer.Length);
                    buffer[..n].CopyTo(tmp.AsSpan(inSector));
                    _device.Write(sector, tmp.AsSpan(0, ss));
                    buffer = buffer[n..];
                    _position += n;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(tmp, clearArray: true);
                }
            }
        }
    }

    private void Advance(ref Span<byte> buffer, int n)
    {
        buffer = buffer[n..];
        _position += n;
    }

    public override void Flush() => _device.Flush();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void SetLength(long value) => throw new NotSupportedException("A block device has a fixed length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen) _device.Dispose();
        base.Dispose(disposing);
    }
}
