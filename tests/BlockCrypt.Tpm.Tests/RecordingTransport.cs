using BlockCrypt.Tpm.Transport;

namespace BlockCrypt.Tpm.Tests;

/// <summary>Wraps a real transport and records every byte sent and received; optionally alters responses.</summary>
internal sealed class RecordingTransport(ITpmTransport inner, Func<byte[], byte[]>? alterResponse = null) : ITpmTransport
{
    private readonly List<byte[]> _sent = [];
    private readonly List<byte[]> _received = [];

    public string Description => inner.Description;

    public IReadOnlyList<byte[]> Sent => _sent;
    public IReadOnlyList<byte[]> Received => _received;

    /// <summary>Every byte in both directions, concatenated.</summary>
    public byte[] All => _sent.Concat(_received).SelectMany(b => b).ToArray();

    public int Transmit(ReadOnlySpan<byte> command, Span<byte> response)
    {
        _sent.Add(command.ToArray());
        int n = inner.Transmit(command, response);
        byte[] r = response[..n].ToArray();
        if (alterResponse is not null)
        {
            r = alterResponse(r);
            r.CopyTo(response);
            n = r.Length;
        }
        _received.Add(r);
        return n;
    }

    public void Dispose() => inner.Dispose();
}

/// <summary>Returns canned responses (for malformed-response tests; it stands in for a broken TPM, not for swtpm).</summary>
internal sealed class CannedTransport(params byte[][] responses) : ITpmTransport
{
    private int _next;
    public string Description => "canned";

    public int Transmit(ReadOnlySpan<byte> command, Span<byte> response)
    {
        byte[] r = responses[_next++];
        r.CopyTo(response);
        return r.Length;
    }

    public void Dispose() { }
}
