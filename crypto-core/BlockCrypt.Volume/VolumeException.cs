namespace BlockCrypt.Volume;

/// <summary>Why a volume operation failed. The CLI maps each code to an exit code (docs/format.md, "Errors").</summary>
public enum VolumeErrorCode
{
    /// <summary>No protector opened with the credentials given.</summary>
    WrongCredential = 1,
    /// <summary>No credential for any protector of the volume was given.</summary>
    NoCredential,
    /// <summary>No metadata copy carries the BlockCrypt magic: not a BlockCrypt volume (or erased).</summary>
    NotAVolume,
    /// <summary>Magic present but no copy passes its checksum and bounds checks.</summary>
    MetadataDamaged,
    /// <summary>The metadata failed authentication with the VMK-derived key (tampering or downgrade).</summary>
    MetadataTampered,
    /// <summary>A format version or algorithm this build does not know.</summary>
    UnsupportedFormat,
    /// <summary>A KDF parameter is below the documented floor.</summary>
    KdfBelowFloor,
    /// <summary>Removing the last protector is refused.</summary>
    LastProtector,
    /// <summary>No protector with the given id.</summary>
    ProtectorNotFound,
    /// <summary>Rotation needs the secret of a protector that was not given.</summary>
    SecretMissing,
    /// <summary>A recovery password is malformed (the message names the group).</summary>
    InvalidRecoveryPassword,
    /// <summary>A header backup belongs to another volume or is damaged.</summary>
    HeaderMismatch,
    /// <summary>A size, sector size, cipher or other argument is out of range.</summary>
    InvalidArgument,
    /// <summary>The metadata would exceed its fixed region (too many or too large protectors).</summary>
    MetadataFull,
    /// <summary>The container could not be read or written.</summary>
    Io,
    /// <summary>A protector kind this build cannot handle (no handler registered).</summary>
    UnknownProtectorKind,
    /// <summary>A protector-specific failure (TPM, HSM ...) the handler reports with its own message.</summary>
    ProtectorFailure,
}

/// <summary>An expected failure of a volume operation, with a code the CLI maps to an exit code.</summary>
public class VolumeException : Exception
{
    /// <summary>Creates the exception with a one-line, user-facing message.</summary>
    public VolumeException(VolumeErrorCode code, string message) : base(message) => Code = code;

    /// <summary>Creates the exception wrapping its cause.</summary>
    public VolumeException(VolumeErrorCode code, string message, Exception inner) : base(message, inner) => Code = code;

    /// <summary>What went wrong.</summary>
    public VolumeErrorCode Code { get; }
}
