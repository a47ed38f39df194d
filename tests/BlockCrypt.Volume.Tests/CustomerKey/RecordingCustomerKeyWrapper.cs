using BlockCrypt.Volume.CustomerKey;

namespace BlockCrypt.Volume.Tests.CustomerKey;

/// <summary>
/// Test decorator over the real HSM wrapper: records every secret handed to the HSM for wrapping and every secret the
/// HSM returned, so tests can prove what the HSM saw. Passes everything through unchanged.
/// </summary>
internal sealed class RecordingCustomerKeyWrapper(ICustomerKeyWrapper inner, List<byte[]> seen) : ICustomerKeyWrapper
{
    public CustomerKeyIdentity Identity => inner.Identity;

    public byte[] Wrap(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> associatedData)
    {
        seen.Add(secret.ToArray());
        return inner.Wrap(secret, associatedData);
    }

    public int Unwrap(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> associatedData, Span<byte> secret)
    {
        int length = inner.Unwrap(blob, associatedData, secret);
        seen.Add(secret[..length].ToArray());
        return length;
    }
}
