using BlockCrypt.Crypto.Secrets;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// The credential of a <c>pkcs11</c> protector, attached to <see cref="UnlockCredentials"/> with
/// <c>credentials.Set(new Pkcs11Credential(...))</c>. To unlock it needs the module path and the user PIN (the token and
/// key come from the protector record); to add a protector or rewrap it also names the token and key.
/// </summary>
/// <remarks>The PIN is held in a pinned buffer zeroed by <see cref="Dispose"/> (UnlockCredentials disposes it).</remarks>
public sealed class Pkcs11Credential : IDisposable
{
    private readonly SecretBuffer _pin;

    /// <summary>Creates the credential; <paramref name="pin"/> is copied.</summary>
    public Pkcs11Credential(string modulePath, ReadOnlySpan<byte> pin)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        ModulePath = modulePath;
        _pin = SecretBuffer.CopyOf(pin);
    }

    /// <summary>Path (or loader name) of the PKCS#11 module to load.</summary>
    public string ModulePath { get; }

    /// <summary>The user PIN (CKU_USER).</summary>
    public ReadOnlySpan<byte> Pin => _pin.Span;

    /// <summary>Token label: required to add a protector; when unlocking, only protectors on this token are tried.</summary>
    public string? TokenLabel { get; init; }

    /// <summary>Key label (CKA_LABEL): required to add a protector; when unlocking, only protectors with this key are tried.</summary>
    public string? KeyLabel { get; init; }

    /// <summary>Optional CKA_ID selecting the key when several share a label.</summary>
    public byte[]? KeyId { get; init; }

    /// <summary>
    /// Optional decorator applied to every HSM key wrapper this credential uses, for auditing or tests (for example to
    /// record exactly what is handed to the HSM). Null in normal use.
    /// </summary>
    public Func<ICustomerKeyWrapper, ICustomerKeyWrapper>? WrapperDecorator { get; init; }

    /// <summary>Opens the session this credential describes on <paramref name="tokenLabel"/>.</summary>
    internal Pkcs11Token Open(string tokenLabel) => Pkcs11Token.Open(ModulePath, tokenLabel, Pin);

    internal ICustomerKeyWrapper Decorate(ICustomerKeyWrapper wrapper) => WrapperDecorator?.Invoke(wrapper) ?? wrapper;

    /// <summary>Zeroes the PIN.</summary>
    public void Dispose() => _pin.Dispose();
}
