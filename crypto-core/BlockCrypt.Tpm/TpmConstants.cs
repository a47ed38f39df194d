namespace BlockCrypt.Tpm;

/// <summary>Command codes (TPM_CC), TPM 2.0 Part 2 §6.5.2.</summary>
public static class TpmCc
{
    public const uint DictionaryAttackLockReset = 0x139;
    public const uint DictionaryAttackParameters = 0x13A;
    public const uint CreatePrimary = 0x131;
    public const uint Startup = 0x144;
    public const uint Shutdown = 0x145;
    public const uint Create = 0x153;
    public const uint Load = 0x157;
    public const uint Unseal = 0x15E;
    public const uint FlushContext = 0x165;
    public const uint PolicyAuthValue = 0x16B;
    public const uint ReadPublic = 0x173;
    public const uint StartAuthSession = 0x176;
    public const uint GetCapability = 0x17A;
    public const uint GetRandom = 0x17B;
    public const uint PcrRead = 0x17E;
    public const uint PolicyPcr = 0x17F;
    public const uint PcrExtend = 0x182;
    public const uint PolicyGetDigest = 0x189;
    public const uint PolicyPassword = 0x18C;
}

/// <summary>Structure tags (TPM_ST), Part 2 §6.9.</summary>
public static class TpmSt
{
    public const ushort NoSessions = 0x8001;
    public const ushort Sessions = 0x8002;
}

/// <summary>Algorithm identifiers (TPM_ALG_ID), Part 2 §6.3, and ECC curves (TPM_ECC_CURVE) §6.4.</summary>
public static class TpmAlg
{
    public const ushort Rsa = 0x0001;
    public const ushort Sha1 = 0x0004;
    public const ushort Hmac = 0x0005;
    public const ushort Aes = 0x0006;
    public const ushort KeyedHash = 0x0008;
    public const ushort Sha256 = 0x000B;
    public const ushort Null = 0x0010;
    public const ushort Ecc = 0x0023;
    public const ushort Cfb = 0x0043;
    public const ushort EccNistP256 = 0x0003;
}

/// <summary>Permanent handles (TPM_RH / TPM_RS), Part 2 §7.4, and handle ranges.</summary>
public static class TpmRh
{
    public const uint Owner = 0x40000001;
    public const uint Null = 0x40000007;
    public const uint PasswordSession = 0x40000009;
    public const uint Lockout = 0x4000000A;
    public const uint Endorsement = 0x4000000B;
    public const uint Platform = 0x4000000C;
    public const uint PersistentFirst = 0x81000000;
    /// <summary>The persistent handle the TCG Provisioning Guidance reserves for the SRK.</summary>
    public const uint PersistentSrk = 0x81000001;
}

/// <summary>Capabilities (TPM_CAP) Part 2 §6.12 and properties (TPM_PT) §6.13.</summary>
public static class TpmPt
{
    public const uint CapHandles = 1;
    public const uint CapTpmProperties = 6;
    public const uint Manufacturer = 0x105;
    public const uint Permanent = 0x200;
    public const uint LockoutCounter = 0x20E;
    public const uint MaxAuthFail = 0x20F;
    public const uint LockoutInterval = 0x210;
    public const uint LockoutRecovery = 0x211;
    /// <summary>TPMA_PERMANENT.inLockout (Part 2 §8.6).</summary>
    public const uint PermanentInLockout = 1u << 2;
}

/// <summary>Object attributes (TPMA_OBJECT), Part 2 §8.3.</summary>
[Flags]
public enum TpmaObject : uint
{
    None = 0,
    FixedTpm = 1u << 1,
    StClear = 1u << 2,
    FixedParent = 1u << 4,
    SensitiveDataOrigin = 1u << 5,
    UserWithAuth = 1u << 6,
    AdminWithPolicy = 1u << 7,
    NoDA = 1u << 10,
    EncryptedDuplication = 1u << 11,
    Restricted = 1u << 16,
    Decrypt = 1u << 17,
    Sign = 1u << 18,
}

/// <summary>Session attributes (TPMA_SESSION), Part 2 §8.4.</summary>
[Flags]
public enum TpmaSession : byte
{
    None = 0,
    ContinueSession = 0x01,
    Decrypt = 0x20,
    Encrypt = 0x40,
}

/// <summary>Session types (TPM_SE), Part 2 §6.11.</summary>
public enum TpmSessionType : byte
{
    Hmac = 0x00,
    Policy = 0x01,
    Trial = 0x03,
}
