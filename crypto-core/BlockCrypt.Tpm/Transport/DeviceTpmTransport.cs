using Microsoft.Win32.SafeHandles;

namespace BlockCrypt.Tpm.Transport;

/// <summary>
/// The Linux kernel's TPM character device: <c>/dev/tpmrm0</c> (with the in-kernel resource manager) or
/// <c>/dev/tpm0</c>. One write carries the whole command, one read returns the whole response.
/// </summary>
public sealed class DeviceTpmTransport : ITpmTransport
{
    private readonly SafeFileHandle _handle;

    /// <summary>Opens <paramref name="path"/> for reading and writing.</summary>
    public DeviceTpmTransport(string path)
    {
        Description = path;
        try
        {
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TpmUnavailableException(path, e);
        }
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int Transmit(ReadOnlySpan<byte> command, Span<byte> response)
    {
        try
        {
            // Character devices ignore the offset; RandomAccess needs one, so pass 0.
            RandomAccess.Write(_handle, command, 0);
            int n = RandomAccess.Read(_handle, response, 0);
            if (n < 10) throw new TpmProtocolException($"malformed TPM response from {Description}: only {n} bytes");
            return n;
        }
        catch (IOException e)
        {
            throw new TpmUnavailableException(Description, e);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();
}
