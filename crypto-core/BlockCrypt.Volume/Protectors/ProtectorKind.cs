namespace BlockCrypt.Volume.Protectors;

/// <summary>Protector kinds as stored on disk (u16, docs/format.md §4). Values are never reused.</summary>
public enum ProtectorKind : ushort
{
    /// <summary>Passphrase stretched by Argon2id.</summary>
    Passphrase = 1,
    /// <summary>48-digit recovery password (BitLocker format) stretched by Argon2id.</summary>
    Recovery = 2,
    /// <summary>Startup key file of 32 random bytes.</summary>
    KeyFile = 3,
    /// <summary>Reserved: TPM 2.0 sealed key (issue 4).</summary>
    Tpm = 4,
    /// <summary>Reserved: PKCS#11 customer key in an HSM (issue 8).</summary>
    Pkcs11 = 5,
}
