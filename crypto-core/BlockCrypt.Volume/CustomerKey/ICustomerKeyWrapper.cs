namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// Wraps and unwraps a small secret (the protector's key-encryption input, at most
/// <see cref="CustomerKeyBlob.MaxSecretLength"/> bytes) with a key that stays inside an HSM. The implementation only ever
/// hands the HSM the secret given here; nothing else of the volume's key hierarchy reaches it. Not thread-safe: one
/// instance belongs to one <see cref="Pkcs11Token"/> session.
/// </summary>
public interface ICustomerKeyWrapper
{
    /// <summary>The identity of the HSM key (what a protector record stores).</summary>
    CustomerKeyIdentity Identity { get; }

    /// <summary>
    /// Encrypts <paramref name="secret"/> under the HSM key, bound to <paramref name="associatedData"/> (for example the
    /// volume id and protector id); returns the self-describing blob (<see cref="CustomerKeyBlob"/>). The blob is not secret.
    /// </summary>
    byte[] Wrap(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> associatedData);

    /// <summary>
    /// Has the HSM decrypt <paramref name="blob"/>, checks it against <paramref name="associatedData"/>, and writes the
    /// secret to <paramref name="secret"/> (which must not overlap the blob); returns its length. On failure throws
    /// <see cref="CustomerKeyException"/> (<see cref="CustomerKeyError.UnwrapFailed"/> for a wrong key or tampered blob) and
    /// leaves <paramref name="secret"/> zeroed.
    /// </summary>
    int Unwrap(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> associatedData, Span<byte> secret);
}
