namespace BlockCrypt.PowerShell;

/// <summary>
/// A key protector of a volume, as the cmdlets put it on the pipeline (like BitLocker's <c>KeyProtector</c> objects).
/// Carries no secret, except <see cref="RecoveryPassword"/> on the object returned right after a recovery password
/// protector was created: the only time that password is shown.
/// </summary>
public sealed class BlockCryptKeyProtector
{
    /// <summary>The protector's id.</summary>
    public Guid KeyProtectorId { get; init; }

    /// <summary>'Tpm', 'TpmPin', 'Password', 'RecoveryPassword', 'StartupKey' or 'CustomerKey' (see <see cref="KeyProtectorTypes"/>).</summary>
    public string KeyProtectorType { get; init; } = "";

    /// <summary>PCR indices (sha256 bank) a TPM protector is sealed to; null for other kinds.</summary>
    public int[]? Pcr { get; init; }

    /// <summary>When the protector was created (UTC).</summary>
    public DateTime? CreatedUtc { get; init; }

    /// <summary>The volume it protects.</summary>
    public Guid VolumeId { get; init; }

    /// <summary>Absolute path of the container.</summary>
    public string Path { get; init; } = "";

    /// <summary>The protector's description (may be empty).</summary>
    public string Description { get; init; } = "";

    /// <summary>Kind-specific details as the library describes them (KDF cost, PCRs, HSM key ...).</summary>
    public string Details { get; init; } = "";

    /// <summary>The recovery password: set ONLY on the object returned when the protector was just created; otherwise null.</summary>
    public string? RecoveryPassword { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{KeyProtectorType} {KeyProtectorId}";
}

/// <summary>The values of <see cref="BlockCryptKeyProtector.KeyProtectorType"/>.</summary>
public static class KeyProtectorTypes
{
    /// <summary>TPM protector without a PIN.</summary>
    public const string Tpm = "Tpm";

    /// <summary>TPM protector with a PIN.</summary>
    public const string TpmPin = "TpmPin";

    /// <summary>Passphrase protector.</summary>
    public const string Password = "Password";

    /// <summary>48-digit recovery password protector.</summary>
    public const string RecoveryPassword = "RecoveryPassword";

    /// <summary>Startup key file protector.</summary>
    public const string StartupKey = "StartupKey";

    /// <summary>Customer key (HSM through PKCS#11) protector.</summary>
    public const string CustomerKey = "CustomerKey";

    /// <summary>Every value, for ValidateSet.</summary>
    public static readonly string[] All = [Tpm, TpmPin, Password, RecoveryPassword, StartupKey, CustomerKey];
}
