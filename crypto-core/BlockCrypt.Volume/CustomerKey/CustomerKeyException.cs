namespace BlockCrypt.Volume.CustomerKey;

/// <summary>Why an operation on a customer key (a key held in an HSM reached through PKCS#11) failed.</summary>
public enum CustomerKeyError
{
    /// <summary>The PKCS#11 module file does not exist or cannot be loaded/initialised (dlopen, C_GetFunctionList, C_Initialize).</summary>
    ModuleUnavailable = 1,
    /// <summary>No slot holds a token with the given label (CKR_TOKEN_NOT_PRESENT and friends).</summary>
    TokenMissing = 2,
    /// <summary>No key with the recorded label/CKA_ID/type exists on the token (never created, or destroyed).</summary>
    KeyMissing = 3,
    /// <summary>The user PIN was refused (CKR_PIN_INCORRECT, CKR_PIN_LEN_RANGE).</summary>
    WrongPin = 4,
    /// <summary>The user PIN is locked after too many wrong attempts (CKR_PIN_LOCKED); the security officer must reset it.</summary>
    PinLocked = 5,
    /// <summary>The token or key does not support the recorded mechanism (CKR_MECHANISM_INVALID, CKR_KEY_FUNCTION_NOT_PERMITTED ...).</summary>
    MechanismUnsupported = 6,
    /// <summary>The HSM refused to decrypt the stored blob (authentication tag or OAEP padding check failed, wrong key, tampered blob).</summary>
    UnwrapFailed = 7,
    /// <summary>The stored customer-key record or blob is malformed.</summary>
    InvalidRecord = 8,
    /// <summary>Any other PKCS#11 failure; the message names the CKR_ code.</summary>
    DeviceError = 9,
    /// <summary>Several objects on the token match the label (and CKA_ID); the key cannot be chosen safely.</summary>
    KeyAmbiguous = 10,
    /// <summary>A key with the label already exists (lab key creation refuses to shadow it).</summary>
    KeyExists = 11,
}

/// <summary>
/// The one exception type of the customer-key layer. <see cref="Reason"/> says what went wrong, <see cref="ReturnValue"/>
/// carries the raw PKCS#11 return code (CK_RV) when the failure came from the module. Messages are one line and never
/// contain secrets (PINs, keys, blobs).
/// </summary>
public sealed class CustomerKeyException : IOException
{
    /// <summary>Creates the exception.</summary>
    public CustomerKeyException(CustomerKeyError reason, string message, ulong? returnValue = null, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        ReturnValue = returnValue;
    }

    /// <summary>The failure kind.</summary>
    public CustomerKeyError Reason { get; }

    /// <summary>The PKCS#11 CK_RV when the failure was reported by the module, otherwise null.</summary>
    public ulong? ReturnValue { get; }
}
