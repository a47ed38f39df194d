using BlockCrypt.Crypto.Secrets;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Tpm.Transport;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// The credential of a <c>tpm</c> protector, attached with <c>credentials.Set(new TpmCredential(...))</c>: which TPM
/// to use, the PIN (if any) and, for a new or resealed protector, the PCRs to bind.
/// </summary>
/// <remarks>The PIN is held in a pinned buffer zeroed by <see cref="Dispose"/> (UnlockCredentials disposes it).</remarks>
public sealed class TpmCredential : IDisposable
{
    private readonly SecretBuffer _pin;

    /// <summary>Creates the credential; <paramref name="pin"/> (UTF-8, may be empty) is copied.</summary>
    public TpmCredential(string? deviceSpec = null, ReadOnlySpan<byte> pin = default)
    {
        DeviceSpec = deviceSpec;
        _pin = SecretBuffer.CopyOf(pin);
    }

    /// <summary>The device (<c>/dev/tpmrm0</c>, <c>tbs</c>, <c>swtpm:HOST:PORT</c>); null: BLOCKCRYPT_TPM or the platform default.</summary>
    public string? DeviceSpec { get; }

    /// <summary>The PIN (empty when none).</summary>
    public ReadOnlySpan<byte> Pin => _pin.Span;

    /// <summary>PCRs for a new or resealed protector (default PCR 7, sha256 bank).</summary>
    public PcrSelection Pcrs { get; init; } = PcrSelection.Default;

    /// <summary>Opens the TPM connection instead of <see cref="DeviceSpec"/> (tests: a recording transport). Null in normal use.</summary>
    public Func<ITpmTransport>? Connect { get; init; }

    internal TpmSealer Sealer() => Connect is { } c ? new TpmSealer(c) : TpmSealer.ForDevice(DeviceSpec);

    /// <summary>Zeroes the PIN.</summary>
    public void Dispose() => _pin.Dispose();
}
