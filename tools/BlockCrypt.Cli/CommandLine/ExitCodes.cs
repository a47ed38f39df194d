using BlockCrypt.Storage;
using BlockCrypt.Volume;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Exit codes of <c>blockcrypt</c> (also listed by <c>blockcrypt --help</c> and docs/format.md §9). Codes 11-19 are kept
/// for other areas (TPM 11, PKCS#11 12, mount 13); they map their exceptions with an <see cref="IErrorMapper"/>.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int WrongCredential = 3;
    public const int DamagedMetadata = 4;
    public const int NotAVolume = 5;
    public const int FileNotFound = 6;
    public const int InvalidArgument = 7;
    public const int Io = 8;
    public const int Tampered = 9;
    public const int Refused = 10;
    public const int Tpm = 11;
    public const int Pkcs11 = 12;
    public const int Mount = 13;

    /// <summary>The table printed by help.</summary>
    public static readonly (int Code, string Meaning)[] Table =
    [
        (Ok, "success"),
        (Failure, "unexpected failure"),
        (Usage, "usage error (unknown command or option, missing argument)"),
        (WrongCredential, "wrong or missing credential: no protector opened"),
        (DamagedMetadata, "metadata damaged (every copy) or unsupported version; restore a header backup"),
        (NotAVolume, "not a BlockCrypt volume (or erased)"),
        (FileNotFound, "a file or device does not exist"),
        (InvalidArgument, "invalid value (size, sector size, recovery password, KDF parameters ...)"),
        (Io, "I/O error on the container or a file"),
        (Tampered, "metadata failed authentication, or KDF parameters below the floor"),
        (Refused, "refused: last protector, secret missing for rotate, erase without confirmation, header of another volume"),
        (Tpm, "TPM protector error"),
        (Pkcs11, "PKCS#11 (HSM) protector error"),
        (Mount, "mount error"),
    ];

    /// <summary>Maps a <see cref="VolumeErrorCode"/> to its exit code.</summary>
    public static int For(VolumeErrorCode code) => code switch
    {
        VolumeErrorCode.WrongCredential or VolumeErrorCode.NoCredential => WrongCredential,
        VolumeErrorCode.NotAVolume => NotAVolume,
        VolumeErrorCode.MetadataDamaged or VolumeErrorCode.UnsupportedFormat => DamagedMetadata,
        VolumeErrorCode.MetadataTampered or VolumeErrorCode.KdfBelowFloor => Tampered,
        VolumeErrorCode.LastProtector or VolumeErrorCode.SecretMissing or VolumeErrorCode.HeaderMismatch => Refused,
        VolumeErrorCode.InvalidRecoveryPassword or VolumeErrorCode.InvalidArgument or VolumeErrorCode.ProtectorNotFound
            or VolumeErrorCode.MetadataFull or VolumeErrorCode.UnknownProtectorKind => InvalidArgument,
        VolumeErrorCode.Io => Io,
        _ => Failure,
    };

    /// <summary>Maps any exception to (exit code, one-line message); extension mappers are asked first.</summary>
    public static (int Code, string Message) Map(Exception e, IEnumerable<IErrorMapper> mappers)
    {
        foreach (var mapper in mappers)
        {
            if (mapper.TryMap(e, out int code, out string message)) return (code, message);
        }
        return e switch
        {
            CliException c => (c.ExitCode, c.Message),
            VolumeException v => (For(v.Code), v.Message),
            FileNotFoundException f => (FileNotFound, f.FileName is null ? f.Message : $"'{f.FileName}' not found."),
            DirectoryNotFoundException d => (FileNotFound, d.Message),
            BlockDeviceException b => (Io, b.Message),
            UnauthorizedAccessException u => (Io, u.Message),
            IOException io => (Io, io.Message),
            _ => (Failure, $"Unexpected error ({e.GetType().Name}): {e.Message}"),
        };
    }
}

/// <summary>Maps an area's own exception type (TPM, PKCS#11, mount) to an exit code and message; found by reflection like command groups.</summary>
public interface IErrorMapper
{
    /// <summary>Returns true when <paramref name="exception"/> is this area's.</summary>
    bool TryMap(Exception exception, out int exitCode, out string message);
}
