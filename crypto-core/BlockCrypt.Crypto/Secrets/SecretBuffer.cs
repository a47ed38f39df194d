using System.Security.Cryptography;

namespace BlockCrypt.Crypto.Secrets;

/// <summary>
/// A fixed-size buffer for key material: allocated on the pinned object heap (the GC never moves or copies it) and
/// zeroed with <see cref="CryptographicOperations.ZeroMemory"/> on <see cref="Dispose"/>.
/// </summary>
/// <remarks>Not thread-safe for concurrent dispose and use. Disposing twice is harmless.</remarks>
public sealed class SecretBuffer : IDisposable
{
    private byte[]? _data;

    /// <summary>Allocates a zero-filled pinned buffer of <paramref name="length"/> bytes.</summary>
    public SecretBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _data = GC.AllocateArray<byte>(length, pinned: true);
    }

    /// <summary>Copies <paramref name="source"/> into a new pinned buffer (the caller still clears its own copy).</summary>
    public static SecretBuffer CopyOf(ReadOnlySpan<byte> source)
    {
        var buffer = new SecretBuffer(source.Length);
        source.CopyTo(buffer._data);
        return buffer;
    }

    /// <summary>Fills a new buffer of <paramref name="length"/> bytes from the system CSPRNG.</summary>
    public static SecretBuffer Random(int length)
    {
        var buffer = new SecretBuffer(length);
        RandomNumberGenerator.Fill(buffer._data);
        return buffer;
    }

    /// <summary>Number of bytes.</summary>
    public int Length => Data.Length;

    /// <summary>The secret bytes. Valid until <see cref="Dispose"/>.</summary>
    public Span<byte> Span => Data;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _data is null;

    private byte[] Data => _data ?? throw new ObjectDisposedException(nameof(SecretBuffer));

    /// <summary>Zeroes and releases the buffer.</summary>
    public void Dispose()
    {
        byte[]? data = Interlocked.Exchange(ref _data, null);
        if (data is not null) CryptographicOperations.ZeroMemory(data);
    }
}
