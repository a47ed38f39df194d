using System.Buffers.Binary;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// The parameter blob of a <c>pkcs11</c> protector (docs/customer-key.md): u8 version (1), u16 LE length + the serialized
/// <see cref="CustomerKeyIdentity"/>, u16 LE length + the HSM blob (<see cref="CustomerKeyBlob"/>) holding the protector's
/// KEK wrapped by the HSM key. Never the key itself.
/// </summary>
public sealed record Pkcs11ProtectorParameters(CustomerKeyIdentity Identity, byte[] WrappedKek)
{
    private const byte Version = 1;
    private const int MaxBlobLength = 1024;

    /// <summary>Serializes the parameters.</summary>
    public byte[] Serialize()
    {
        byte[] identity = Identity.Serialize();
        byte[] output = new byte[1 + 2 + identity.Length + 2 + WrappedKek.Length];
        output[0] = Version;
        BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(1), (ushort)identity.Length);
        identity.CopyTo(output, 3);
        BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(3 + identity.Length), (ushort)WrappedKek.Length);
        WrappedKek.CopyTo(output, 5 + identity.Length);
        return output;
    }

    /// <summary>Parses untrusted parameters with bounds checks.</summary>
    /// <exception cref="CustomerKeyException"><see cref="CustomerKeyError.InvalidRecord"/> when malformed.</exception>
    public static Pkcs11ProtectorParameters Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 5 || data[0] != Version)
        {
            throw Invalid();
        }

        int identityLength = BinaryPrimitives.ReadUInt16LittleEndian(data[1..]);
        if (data.Length < 5 + identityLength)
        {
            throw Invalid();
        }

        CustomerKeyIdentity identity = CustomerKeyIdentity.Parse(data.Slice(3, identityLength));
        int blobLength = BinaryPrimitives.ReadUInt16LittleEndian(data[(3 + identityLength)..]);
        if (blobLength > MaxBlobLength || data.Length != 5 + identityLength + blobLength)
        {
            throw Invalid();
        }

        byte[] blob = data.Slice(5 + identityLength, blobLength).ToArray();
        if (CustomerKeyBlob.ReadHeader(blob) != identity.Mechanism)
        {
            throw Invalid();
        }

        return new Pkcs11ProtectorParameters(identity, blob);
    }

    private static CustomerKeyException Invalid() =>
        new(CustomerKeyError.InvalidRecord, "pkcs11 protector parameters are malformed");
}
