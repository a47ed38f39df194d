using System.Runtime.Versioning;
using BlockCrypt.Tpm.Transport.Native;

namespace BlockCrypt.Tpm.Transport;

/// <summary>
/// The Windows TPM Base Services (tbs.dll): a TPM 2.0 context from Tbsi_Context_Create, commands through
/// Tbsip_Submit_Command at locality 0, normal priority. TPM errors come back inside the response bytes; a non-zero
/// TBS_RESULT means the service itself failed.
/// </summary>
public sealed class TbsTpmTransport : ITpmTransport
{
    private readonly SafeTbsContextHandle _context;

    /// <summary>Opens a TBS context (Windows only).</summary>
    [SupportedOSPlatform("windows")]
    public TbsTpmTransport()
    {
        var parameters = CreateContextParams();
        uint result;
        try
        {
            result = Tbs.Tbsi_Context_Create(parameters, out _context);
        }
        catch (DllNotFoundException e)
        {
            throw new TpmUnavailableException(Description, e);
        }
        if (result != Tbs.Success)
        {
            _context.Dispose();
            throw new TpmUnavailableException(Description, new IOException($"Tbsi_Context_Create returned 0x{result:X8}"));
        }
    }

    /// <summary>The TBS_CONTEXT_PARAMS2 this transport passes (version 2, includeTpm20).</summary>
    internal static Tbs.ContextParams2 CreateContextParams() =>
        new() { Version = Tbs.TpmVersion20, Flags = Tbs.IncludeTpm20 };

    /// <inheritdoc/>
    public string Description => "tbs";

    /// <inheritdoc/>
    public int Transmit(ReadOnlySpan<byte> command, Span<byte> response)
    {
        uint length = (uint)response.Length;
        uint result = Tbs.Tbsip_Submit_Command(_context, Tbs.LocalityZero, Tbs.PriorityNormal,
            command, (uint)command.Length, response, ref length);
        if (result != Tbs.Success)
            throw new TpmUnavailableException(Description, new IOException($"Tbsip_Submit_Command returned 0x{result:X8}"));
        if (length > response.Length)
            throw new TpmProtocolException($"TBS reported a response of {length} bytes for a {response.Length}-byte buffer");
        return (int)length;
    }

    /// <inheritdoc/>
    public void Dispose() => _context.Dispose();
}
