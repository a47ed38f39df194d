namespace BlockCrypt.Crypto;

/// <summary>The instruction tier an <see cref="XtsAes"/> engine runs on.</summary>
public enum XtsImplementation
{
    /// <summary>Pick the fastest tier the CPU and runtime support (VAES, then AES-NI, then ARMv8 AES, then portable).</summary>
    Auto = 0,

    /// <summary>x86/x64 AES-NI with SSE2: eight blocks in flight, tweaks computed in registers.</summary>
    AesNi = 1,

    /// <summary>ARMv8 cryptography extension (System.Runtime.Intrinsics.Arm.Aes).</summary>
    Arm = 2,

    /// <summary>The BCL's <see cref="System.Security.Cryptography.Aes"/>, one ECB call per sector.</summary>
    Portable = 3,

    /// <summary>x86-64 VAES (Linux): two blocks per 256-bit register, sixteen in flight; sectors that are not a multiple
    /// of 256 bytes, and ciphertext stealing, run on AES-NI.</summary>
    Vaes = 4,
}
