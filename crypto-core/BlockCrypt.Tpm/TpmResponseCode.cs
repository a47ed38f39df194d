namespace BlockCrypt.Tpm;

/// <summary>Which kind of entity a format-1 response code points at (Part 2 §6.6.3).</summary>
public enum TpmRcSubject
{
    /// <summary>The code is format-0 or names no particular entity.</summary>
    None = 0,
    /// <summary>Bits 8..10 give the handle number (1-based).</summary>
    Handle = 1,
    /// <summary>Bits 8..10 give the session number (1-based).</summary>
    Session = 2,
    /// <summary>Bits 8..11 give the parameter number (1-based).</summary>
    Parameter = 3,
}

/// <summary>A decoded TPM_RC (TPM 2.0 Part 2 §6.6): format, base code, name, meaning and the entity it refers to.</summary>
public readonly record struct TpmResponseCode(
    uint Raw, uint BaseCode, string Name, string Meaning, bool IsWarning, bool IsFormat1, TpmRcSubject Subject, int Index)
{
    /// <summary>TPM_RC_VER1 (format-0 TPM 2.0 codes).</summary>
    public const uint RcVer1 = 0x100;
    /// <summary>TPM_RC_FMT1.</summary>
    public const uint RcFmt1 = 0x080;
    /// <summary>TPM_RC_WARN.</summary>
    public const uint RcWarn = 0x900;

    public const uint Initialize = RcVer1 + 0x000;
    public const uint Failure = RcVer1 + 0x001;
    public const uint AuthFail = RcFmt1 + 0x00E;
    public const uint PolicyFail = RcFmt1 + 0x01D;
    public const uint Integrity = RcFmt1 + 0x01F;
    public const uint BadAuth = RcFmt1 + 0x022;
    public const uint Value = RcFmt1 + 0x004;
    public const uint Handle = RcFmt1 + 0x00B;
    public const uint ObjectMemory = RcWarn + 0x002;
    public const uint SessionMemory = RcWarn + 0x003;
    public const uint Lockout = RcWarn + 0x021;
    public const uint Retry = RcWarn + 0x022;
    public const uint Yielded = RcWarn + 0x008;
    public const uint Testing = RcWarn + 0x00A;

    /// <summary>Decodes a raw response code.</summary>
    public static TpmResponseCode Decode(uint rc)
    {
        if (rc == 0)
            return new(0, 0, "TPM_RC_SUCCESS", "success", false, false, TpmRcSubject.None, 0);
        if ((rc & RcFmt1) != 0)
        {
            // Format 1 (Part 2 §6.6.2 figure 27): bits 0..5 error, bit 6 P, bits 8..11 N.
            uint baseCode = RcFmt1 | (rc & 0x3F);
            TpmRcSubject subject;
            int index;
            if ((rc & 0x40) != 0) { subject = TpmRcSubject.Parameter; index = (int)((rc >> 8) & 0xF); }
            else if ((rc & 0x800) != 0) { subject = TpmRcSubject.Session; index = (int)((rc >> 8) & 0x7); }
            else { subject = TpmRcSubject.Handle; index = (int)((rc >> 8) & 0x7); }
            if (index == 0) subject = TpmRcSubject.None;
            var (name, meaning) = Format1Text(baseCode);
            return new(rc, baseCode, name, meaning, false, true, subject, index);
        }
        if ((rc & RcVer1) == 0)
            return new(rc, rc, $"TPM_RC_0x{rc:X3}", "TPM 1.2 or vendor-specific response code", false, false, TpmRcSubject.None, 0);
        if ((rc & 0x400) != 0)
            return new(rc, rc, $"TPM_RC_VENDOR_0x{rc:X3}", "vendor-defined response code", false, false, TpmRcSubject.None, 0);
        bool warning = (rc & 0x800) != 0;
        uint b = rc & 0xF7F;
        var (n, m) = warning ? WarningText(b) : Format0Text(b);
        return new(rc, b, n, m, warning, false, TpmRcSubject.None, 0);
    }

    /// <summary>One line: "TPM2_Unseal failed: TPM_RC_POLICY_FAIL (0x99D) on session 1: a policy check failed".</summary>
    public string Format(uint commandCode)
    {
        string where = Subject switch
        {
            TpmRcSubject.Handle => $" on handle {Index}",
            TpmRcSubject.Session => $" on session {Index}",
            TpmRcSubject.Parameter => $" on parameter {Index}",
            _ => "",
        };
        string cmd = commandCode == 0 ? "TPM command" : $"TPM command 0x{commandCode:X3}";
        return $"{cmd} failed: {Name} (0x{Raw:X3}){where}: {Meaning}";
    }

    private static (string, string) Format1Text(uint code) => (code - RcFmt1) switch
    {
        0x01 => ("TPM_RC_ASYMMETRIC", "asymmetric algorithm not supported or not correct"),
        0x02 => ("TPM_RC_ATTRIBUTES", "inconsistent attributes"),
        0x03 => ("TPM_RC_HASH", "hash algorithm not supported or not appropriate"),
        0x04 => ("TPM_RC_VALUE", "value is out of range or is not correct for the context"),
        0x05 => ("TPM_RC_HIERARCHY", "hierarchy is not enabled or is not correct for the use"),
        0x07 => ("TPM_RC_KEY_SIZE", "key size is not supported"),
        0x08 => ("TPM_RC_MGF", "mask generation function not supported"),
        0x09 => ("TPM_RC_MODE", "mode of operation not supported"),
        0x0A => ("TPM_RC_TYPE", "the type of the value is not appropriate for the use"),
        0x0B => ("TPM_RC_HANDLE", "the handle is not correct for the use"),
        0x0C => ("TPM_RC_KDF", "unsupported key derivation function or function not appropriate for use"),
        0x0D => ("TPM_RC_RANGE", "value was out of allowed range"),
        0x0E => ("TPM_RC_AUTH_FAIL", "the authorization HMAC check failed and DA counter incremented"),
        0x0F => ("TPM_RC_NONCE", "invalid nonce size or nonce value mismatch"),
        0x10 => ("TPM_RC_PP", "authorization requires assertion of physical presence"),
        0x12 => ("TPM_RC_SCHEME", "unsupported or incompatible scheme"),
        0x15 => ("TPM_RC_SIZE", "structure is the wrong size"),
        0x16 => ("TPM_RC_SYMMETRIC", "unsupported symmetric algorithm or key size, or not appropriate for instance"),
        0x17 => ("TPM_RC_TAG", "incorrect structure tag"),
        0x18 => ("TPM_RC_SELECTOR", "union selector is incorrect"),
        0x1A => ("TPM_RC_INSUFFICIENT", "the TPM was unable to unmarshal a value because there were not enough octets in the input buffer"),
        0x1B => ("TPM_RC_SIGNATURE", "the signature is not valid"),
        0x1C => ("TPM_RC_KEY", "key fields are not compatible with the selected use"),
        0x1D => ("TPM_RC_POLICY_FAIL", "a policy check failed"),
        0x1F => ("TPM_RC_INTEGRITY", "integrity check failed"),
        0x20 => ("TPM_RC_TICKET", "invalid ticket"),
        0x21 => ("TPM_RC_RESERVED_BITS", "reserved bits not set to zero as required"),
        0x22 => ("TPM_RC_BAD_AUTH", "authorization failure without DA implications"),
        0x23 => ("TPM_RC_EXPIRED", "the policy has expired"),
        0x24 => ("TPM_RC_POLICY_CC", "the commandCode in the policy is not the commandCode of the command"),
        0x25 => ("TPM_RC_BINDING", "public and sensitive portions of an object are not cryptographically bound"),
        0x26 => ("TPM_RC_CURVE", "curve not supported"),
        0x27 => ("TPM_RC_ECC_POINT", "point is not on the required curve"),
        _ => ($"TPM_RC_FMT1_0x{code:X3}", "unknown format-1 response code"),
    };

    private static (string, string) Format0Text(uint code) => (code - RcVer1) switch
    {
        0x00 => ("TPM_RC_INITIALIZE", "TPM not initialized by TPM2_Startup or already initialized"),
        0x01 => ("TPM_RC_FAILURE", "commands not being accepted because of a TPM failure"),
        0x03 => ("TPM_RC_SEQUENCE", "improper use of a sequence handle"),
        0x0B => ("TPM_RC_PRIVATE", "not currently used"),
        0x19 => ("TPM_RC_HMAC", "not currently used"),
        0x20 => ("TPM_RC_DISABLED", "the command is disabled"),
        0x21 => ("TPM_RC_EXCLUSIVE", "command failed because audit sequence required exclusivity"),
        0x24 => ("TPM_RC_AUTH_TYPE", "authorization handle is not correct for command"),
        0x25 => ("TPM_RC_AUTH_MISSING", "command requires an authorization session for handle and it is not present"),
        0x26 => ("TPM_RC_POLICY", "policy failure in math operation or an invalid authPolicy value"),
        0x27 => ("TPM_RC_PCR", "PCR check fail"),
        0x28 => ("TPM_RC_PCR_CHANGED", "PCR have changed since checked"),
        0x2D => ("TPM_RC_UPGRADE", "the TPM is in field upgrade mode"),
        0x2E => ("TPM_RC_TOO_MANY_CONTEXTS", "context ID counter is at maximum"),
        0x2F => ("TPM_RC_AUTH_UNAVAILABLE", "authValue or authPolicy is not available for selected entity"),
        0x30 => ("TPM_RC_REBOOT", "a _TPM_Init and Startup(CLEAR) is required before the TPM can resume operation"),
        0x31 => ("TPM_RC_UNBALANCED", "the protection algorithms (hash and symmetric) are not reasonably balanced"),
        0x42 => ("TPM_RC_COMMAND_SIZE", "command commandSize value is inconsistent with contents of the command buffer"),
        0x43 => ("TPM_RC_COMMAND_CODE", "command code not supported"),
        0x44 => ("TPM_RC_AUTHSIZE", "the value of authorizationSize is out of range"),
        0x45 => ("TPM_RC_AUTH_CONTEXT", "use of an authorization session with a context command or another command that cannot have an authorization session"),
        0x46 => ("TPM_RC_NV_RANGE", "NV offset+size is out of range"),
        0x47 => ("TPM_RC_NV_SIZE", "requested allocation size is larger than allowed"),
        0x48 => ("TPM_RC_NV_LOCKED", "NV access locked"),
        0x49 => ("TPM_RC_NV_AUTHORIZATION", "NV access authorization fails in command actions"),
        0x4A => ("TPM_RC_NV_UNINITIALIZED", "an NV Index is used before being initialized"),
        0x4B => ("TPM_RC_NV_SPACE", "insufficient space for NV allocation"),
        0x4C => ("TPM_RC_NV_DEFINED", "NV Index or persistent object already defined"),
        0x50 => ("TPM_RC_BAD_CONTEXT", "context in TPM2_ContextLoad() is not valid"),
        0x51 => ("TPM_RC_CPHASH", "cpHash value already set or not correct for use"),
        0x52 => ("TPM_RC_PARENT", "handle for parent is not a valid parent"),
        0x53 => ("TPM_RC_NEEDS_TEST", "some function needs testing"),
        0x54 => ("TPM_RC_NO_RESULT", "internal function cannot process a request due to an unspecified problem"),
        0x55 => ("TPM_RC_SENSITIVE", "the sensitive area did not unmarshal correctly after decryption"),
        _ => ($"TPM_RC_VER1_0x{code:X3}", "unknown format-0 response code"),
    };

    private static (string, string) WarningText(uint code) => (code - RcWarn) switch
    {
        0x01 => ("TPM_RC_CONTEXT_GAP", "gap for context ID is too large"),
        0x02 => ("TPM_RC_OBJECT_MEMORY", "out of memory for object contexts (flush transient objects)"),
        0x03 => ("TPM_RC_SESSION_MEMORY", "out of memory for session contexts"),
        0x04 => ("TPM_RC_MEMORY", "out of shared object/session memory or need space for internal operations"),
        0x05 => ("TPM_RC_SESSION_HANDLES", "out of session handles"),
        0x06 => ("TPM_RC_OBJECT_HANDLES", "out of object handles"),
        0x07 => ("TPM_RC_LOCALITY", "bad locality"),
        0x08 => ("TPM_RC_YIELDED", "the TPM has suspended operation on the command; retry it"),
        0x09 => ("TPM_RC_CANCELED", "the command was canceled"),
        0x0A => ("TPM_RC_TESTING", "TPM is performing self-tests"),
        >= 0x10 and <= 0x16 => ($"TPM_RC_REFERENCE_H{code - RcWarn - 0x10}", "the handle refers to a transient object or session that is not loaded"),
        >= 0x18 and <= 0x1E => ($"TPM_RC_REFERENCE_S{code - RcWarn - 0x18}", "the session handle refers to a session that is not loaded"),
        0x20 => ("TPM_RC_NV_RATE", "the TPM is rate-limiting accesses to prevent wearout of NV"),
        0x21 => ("TPM_RC_LOCKOUT", "authorizations for objects subject to DA protection are not allowed at this time because the TPM is in DA lockout mode"),
        0x22 => ("TPM_RC_RETRY", "the TPM was not able to start the command; retry it"),
        0x23 => ("TPM_RC_NV_UNAVAILABLE", "the command may require writing of NV and NV is not current accessible"),
        _ => ($"TPM_RC_WARN_0x{code:X3}", "unknown warning"),
    };
}
