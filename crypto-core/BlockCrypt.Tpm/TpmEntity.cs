using System.Buffers.Binary;

namespace BlockCrypt.Tpm;

/// <summary>A handle with the Name used for it in cpHash (Part 1 §16: permanent handles and PCRs are named by the handle itself).</summary>
public readonly record struct TpmEntity(uint Handle, byte[] Name)
{
    /// <summary>An entity whose Name is its handle (hierarchies, PCRs, sessions).</summary>
    public static TpmEntity Permanent(uint handle)
    {
        byte[] name = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(name, handle);
        return new TpmEntity(handle, name);
    }
}

/// <summary>A successful response: returned handles and the (decrypted) parameter area. Dispose zeroes the parameters.</summary>
public sealed class TpmResponse : IDisposable
{
    internal TpmResponse(uint[] handles, byte[] parameters)
    {
        Handles = handles;
        Parameters = parameters;
    }

    /// <summary>Handles returned in the response's handle area.</summary>
    public uint[] Handles { get; }

    /// <summary>The response parameters, decrypted if the session encrypted them.</summary>
    public byte[] Parameters { get; }

    /// <inheritdoc/>
    public void Dispose() => System.Security.Cryptography.CryptographicOperations.ZeroMemory(Parameters);
}
