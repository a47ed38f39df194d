namespace BlockCrypt.Tpm;

/// <summary>
/// An error from the TPM layer. When the TPM itself refused a command, <see cref="ResponseCode"/> carries the raw
/// TPM_RC and <see cref="Decoded"/> its decoding; errors that did not come from a response code (protocol, transport)
/// are the subclasses <see cref="TpmProtocolException"/> and <see cref="TpmUnavailableException"/> with code 0.
/// </summary>
public class TpmException : IOException
{
    /// <summary>Creates an exception for a TPM response code returned to <paramref name="commandCode"/>.</summary>
    public TpmException(uint responseCode, uint commandCode)
        : base(TpmResponseCode.Decode(responseCode).Format(commandCode))
    {
        ResponseCode = responseCode;
        CommandCode = commandCode;
        Decoded = TpmResponseCode.Decode(responseCode);
    }

    /// <summary>Creates an exception that did not come from a TPM response code.</summary>
    protected TpmException(string message, Exception? inner = null) : base(message, inner)
    {
        Decoded = TpmResponseCode.Decode(0);
    }

    /// <summary>The raw TPM_RC (0 when the error did not come from the TPM).</summary>
    public uint ResponseCode { get; }

    /// <summary>The command that failed (TPM_CC), 0 if unknown.</summary>
    public uint CommandCode { get; }

    /// <summary>The decoded response code (name, meaning, handle/session/parameter number).</summary>
    public TpmResponseCode Decoded { get; }

    /// <summary>The response code without its handle/session/parameter number (e.g. 0x08E for AUTH_FAIL on any session).</summary>
    public uint BaseCode => Decoded.BaseCode;
}

/// <summary>A malformed or unexpected response (truncated, wrong size field, wrong tag, bad HMAC) or a malformed input structure.</summary>
public sealed class TpmProtocolException : TpmException
{
    /// <summary>Creates the exception.</summary>
    public TpmProtocolException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>No TPM could be reached through the selected transport.</summary>
public sealed class TpmUnavailableException : TpmException
{
    /// <summary>Creates the exception.</summary>
    public TpmUnavailableException(string device, Exception? inner = null)
        : base($"no TPM reachable at {device} (choose one with --tpm-device or BLOCKCRYPT_TPM)" +
               (inner is null ? "" : $": {inner.Message}"), inner)
    {
        Device = device;
    }

    /// <summary>The device specification that could not be opened.</summary>
    public string Device { get; }
}
