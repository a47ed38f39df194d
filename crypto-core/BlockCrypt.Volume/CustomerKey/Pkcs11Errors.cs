using Net.Pkcs11Interop.Common;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>Maps PKCS#11 return codes (v2.40 §5.1 / v3.0 §5.1 "Function return values") to <see cref="CustomerKeyError"/>.</summary>
internal static class Pkcs11Errors
{
    /// <summary>CKR_AEAD_DECRYPT_FAILED (PKCS#11 v3.0), absent from the v2.40 enum of Pkcs11Interop 5.</summary>
    private const ulong CkrAeadDecryptFailed = 0x00000035;

    /// <summary>The reason for a return code; data errors count as an unwrap failure only when <paramref name="decrypting"/>.</summary>
    public static CustomerKeyError Classify(CKR rv, bool decrypting) => rv switch
    {
        CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_EXPIRED => CustomerKeyError.WrongPin,
        CKR.CKR_PIN_LOCKED => CustomerKeyError.PinLocked,
        CKR.CKR_MECHANISM_INVALID or CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_KEY_FUNCTION_NOT_PERMITTED
            or CKR.CKR_KEY_TYPE_INCONSISTENT or CKR.CKR_FUNCTION_NOT_SUPPORTED or CKR.CKR_KEY_SIZE_RANGE
            or CKR.CKR_TEMPLATE_INCONSISTENT => CustomerKeyError.MechanismUnsupported,
        CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID => CustomerKeyError.KeyMissing,
        CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_SLOT_ID_INVALID or CKR.CKR_DEVICE_REMOVED
            => CustomerKeyError.TokenMissing,
        CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_DATA_INVALID or CKR.CKR_DATA_LEN_RANGE
            when decrypting => CustomerKeyError.UnwrapFailed,
        CKR.CKR_GENERAL_ERROR or CKR.CKR_FUNCTION_FAILED when decrypting => CustomerKeyError.UnwrapFailed,
        _ when decrypting && (ulong)rv == CkrAeadDecryptFailed => CustomerKeyError.UnwrapFailed,
        _ => CustomerKeyError.DeviceError,
    };

    /// <summary>Wraps a <see cref="Pkcs11Exception"/> into the product exception with a one-line message.</summary>
    public static CustomerKeyException Map(Pkcs11Exception e, string what, bool decrypting = false)
    {
        // Only the C_Decrypt call itself judges the data; a failing C_DecryptInit is about the key or mechanism.
        CustomerKeyError reason = Classify(e.RV, decrypting && e.Method == "C_Decrypt");
        string detail = reason switch
        {
            CustomerKeyError.WrongPin => "wrong PIN",
            CustomerKeyError.PinLocked => "PIN locked (too many wrong attempts; the security officer must reset it)",
            CustomerKeyError.MechanismUnsupported => "mechanism not supported by the token or key",
            CustomerKeyError.KeyMissing => "key not found on the token",
            CustomerKeyError.TokenMissing => "token not present",
            CustomerKeyError.UnwrapFailed => "the HSM refused to unwrap the stored blob (wrong key or tampered data)",
            _ => "HSM error",
        };
        return new CustomerKeyException(reason, $"{what}: {detail} ({e.RV})", (ulong)e.RV, e);
    }
}
