namespace BlockCrypt.Tpm.Transport;

/// <summary>
/// Carries one TPM 2.0 command and returns its response, byte for byte (TPM 2.0 Part 1 §18). Implementations are
/// not required to be thread-safe; one command at a time.
/// </summary>
public interface ITpmTransport : IDisposable
{
    /// <summary>A human-readable name of the device ("swtpm:127.0.0.1:2321", "/dev/tpmrm0", "tbs").</summary>
    string Description { get; }

    /// <summary>
    /// Sends <paramref name="command"/> and writes the response into <paramref name="response"/>, returning its length.
    /// Throws <see cref="TpmUnavailableException"/> or <see cref="TpmProtocolException"/> on transport failure.
    /// </summary>
    int Transmit(ReadOnlySpan<byte> command, Span<byte> response);
}
