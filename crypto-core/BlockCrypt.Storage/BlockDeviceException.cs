namespace BlockCrypt.Storage;

/// <summary>An I/O failure of a block device's backing store, or a write to a read-only device.</summary>
public class BlockDeviceException : IOException
{
    public BlockDeviceException(string message) : base(message) { }
    public BlockDeviceException(string message, Exception inner) : base(message, inner) { }
}
