using System.Buffers.Binary;
using System.Net.Sockets;

namespace BlockCrypt.Tpm.Transport;

/// <summary>
/// Raw TPM 2.0 commands over TCP, as swtpm's data port (<c>swtpm socket --server type=tcp</c>) carries them: the
/// command bytes are written as-is and the response is read by its header's size field. swtpm serves one client at a
/// time, so dispose the transport before another program talks to the same instance.
/// </summary>
public sealed class TcpTpmTransport : ITpmTransport
{
    private const int HeaderSize = 10;
    private readonly Socket _socket;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>.</summary>
    public TcpTpmTransport(string host, int port, TimeSpan? timeout = null)
    {
        Description = $"swtpm:{host}:{port}";
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        int ms = (int)(timeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds;
        _socket.ReceiveTimeout = ms;
        _socket.SendTimeout = ms;
        try
        {
            using var cts = new CancellationTokenSource(Math.Min(ms, 5000));
            _socket.ConnectAsync(host, port, cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            _socket.Dispose();
            throw new TpmUnavailableException(Description, e);
        }
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int Transmit(ReadOnlySpan<byte> command, Span<byte> response)
    {
        try
        {
            while (!command.IsEmpty)
                command = command[_socket.Send(command)..];
            ReadExactly(response[..HeaderSize]);
            uint size = BinaryPrimitives.ReadUInt32BigEndian(response[2..]);
            if (size < HeaderSize || size > response.Length)
                throw new TpmProtocolException($"malformed TPM response from {Description}: size field {size} is out of range 10..{response.Length}");
            ReadExactly(response[HeaderSize..(int)size]);
            return (int)size;
        }
        catch (SocketException e)
        {
            throw new TpmUnavailableException(Description, e);
        }
    }

    private void ReadExactly(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = _socket.Receive(buffer);
            if (n == 0) throw new TpmProtocolException($"the TPM at {Description} closed the connection mid-response");
            buffer = buffer[n..];
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
