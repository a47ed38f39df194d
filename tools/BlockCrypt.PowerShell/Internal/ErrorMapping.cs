using System.Management.Automation;
using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Core;
using BlockCrypt.Storage;
using BlockCrypt.Tpm;
using BlockCrypt.Tpm.Sealing;
using BlockCrypt.Volume;
using BlockCrypt.Volume.CustomerKey;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>
/// Maps the libraries' exceptions to ErrorRecords: ErrorId <c>BlockCrypt.&lt;Reason&gt;</c>, a fitting
/// <see cref="ErrorCategory"/>, and the library's one-line message (never a stack trace). The same cases as the CLI's
/// exit codes and IErrorMapper implementations (tools/BlockCrypt.Cli/CommandLine/ExitCodes.cs, TpmErrorMapper,
/// Pkcs11ErrorMapper, MountCommands.TryMap), in the same order: area-specific causes first.
/// </summary>
internal static class ErrorMapping
{
    /// <summary>Builds the ErrorRecord for <paramref name="e"/> about <paramref name="target"/>.</summary>
    public static ErrorRecord ToErrorRecord(Exception e, object? target)
    {
        var (reason, category, message) = e is VolumeException { Code: VolumeErrorCode.Io, InnerException: UnauthorizedAccessException }
                                          && target is string path && Directory.Exists(path)
            ? ("NotAVolume", ErrorCategory.InvalidArgument, $"'{path}' is a directory, not a BlockCrypt container file.")
            : Map(e);
        var record = new ErrorRecord(e, "BlockCrypt." + reason, category, target);
        string? action = RecommendedAction(reason);
        if (message != e.Message || action is not null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = action };
        return record;
    }

    /// <summary>What to do next, in the module's terms (the libraries' messages name CLI commands).</summary>
    private static string? RecommendedAction(string reason) => reason switch
    {
        "TpmPcrMismatch" => "Unlock with the recovery password (-UnlockRecoveryPassword). If the change of the measured boot state was " +
                            "intended, reseal the TPM protectors: Suspend-BlockCryptVolume then Resume-BlockCryptVolume with -UnlockRecoveryPassword.",
        "PinRequired" => "Give the TPM PIN with -UnlockPin.",
        "TpmUnavailable" => "Choose the TPM with -TpmDevice (/dev/tpmrm0, tbs, or swtpm:HOST:PORT for a software TPM) or " +
                            "$env:BLOCKCRYPT_TPM.",
        "WrongCredential" => "Check the credential; a recovery password (-UnlockRecoveryPassword) opens the volume when others fail.",
        "NoCredential" => "Give a credential of one of the volume's protectors (see Get-BlockCryptKeyProtector).",
        "MetadataDamaged" => "Restore a header backup of this volume (blockcrypt header restore).",
        "AlreadyMounted" or "VolumeMounted" => "Dismount it first with Dismount-BlockCryptVolume.",
        _ => null,
    };

    /// <summary>(reason, category, message) for <paramref name="e"/>.</summary>
    public static (string Reason, ErrorCategory Category, string Message) Map(Exception e)
    {
        switch (e)
        {
            case BlockCryptCmdletException m:
                return (m.Reason, m.Category, m.Message);
            case VolumeException { Code: VolumeErrorCode.ProtectorFailure, InnerException: TpmUnsealException t }:
                return Tpm(t.Failure, e.Message);
            case VolumeException { InnerException: CustomerKeyException c } v:
                return CustomerKey(c, v.Message);
            case VolumeException v:
                return Volume(v.Code, v.Message);
            case TpmUnsealException t:
                return Tpm(t.Failure, t.Message);
            case TpmException t:
                return ("TpmError", ErrorCategory.DeviceError, "TPM: " + t.Message);
            case CustomerKeyException c:
                return CustomerKey(c, "HSM: " + c.Message);
            case MountException m:
                return m.Error switch
                {
                    MountError.AlreadyMounted => ("AlreadyMounted", ErrorCategory.ResourceExists, m.Message),
                    MountError.BadMountPoint => ("BadMountPoint", ErrorCategory.InvalidArgument, m.Message),
                    MountError.DriverUnavailable => ("MountDriverUnavailable", ErrorCategory.NotInstalled, m.Message),
                    MountError.NotMounted => ("NotMounted", ErrorCategory.ObjectNotFound, m.Message),
                    _ => ("MountFailed", ErrorCategory.OpenError, m.Message),
                };
            case FileSystemException f:
                return ("FileSystem", ErrorCategory.InvalidData, $"The volume's FAT32 filesystem cannot be used ({f.Error}): {f.Message}");
            case FileNotFoundException f:
                return ("FileNotFound", ErrorCategory.ObjectNotFound, f.FileName is null ? f.Message : $"'{f.FileName}' not found.");
            case DirectoryNotFoundException d:
                return ("FileNotFound", ErrorCategory.ObjectNotFound, d.Message);
            case UnauthorizedAccessException u:
                return ("PermissionDenied", ErrorCategory.PermissionDenied, u.Message);
            case BlockDeviceException b:
                return ("Io", ErrorCategory.WriteError, b.Message);
            case IOException io:
                return ("Io", ErrorCategory.WriteError, io.Message);
            default:
                return ("Unexpected", ErrorCategory.NotSpecified, $"Unexpected error ({e.GetType().Name}): {e.Message}");
        }
    }

    private static (string, ErrorCategory, string) Volume(VolumeErrorCode code, string message) => code switch
    {
        VolumeErrorCode.WrongCredential => ("WrongCredential", ErrorCategory.AuthenticationError, message),
        VolumeErrorCode.NoCredential => ("NoCredential", ErrorCategory.AuthenticationError, message),
        VolumeErrorCode.NotAVolume => ("NotAVolume", ErrorCategory.InvalidData, message),
        VolumeErrorCode.MetadataDamaged => ("MetadataDamaged", ErrorCategory.InvalidData, message),
        VolumeErrorCode.UnsupportedFormat => ("UnsupportedFormat", ErrorCategory.InvalidData, message),
        VolumeErrorCode.MetadataTampered => ("MetadataTampered", ErrorCategory.SecurityError, message),
        VolumeErrorCode.KdfBelowFloor => ("KdfBelowFloor", ErrorCategory.SecurityError, message),
        VolumeErrorCode.LastProtector => ("LastProtector", ErrorCategory.InvalidOperation, message),
        VolumeErrorCode.ProtectorNotFound => ("ProtectorNotFound", ErrorCategory.ObjectNotFound, message),
        VolumeErrorCode.SecretMissing => ("SecretMissing", ErrorCategory.InvalidOperation, message),
        VolumeErrorCode.InvalidRecoveryPassword => ("InvalidRecoveryPassword", ErrorCategory.InvalidArgument, message),
        VolumeErrorCode.HeaderMismatch => ("HeaderMismatch", ErrorCategory.InvalidData, message),
        VolumeErrorCode.InvalidArgument => ("InvalidArgument", ErrorCategory.InvalidArgument, message),
        VolumeErrorCode.MetadataFull => ("MetadataFull", ErrorCategory.LimitsExceeded, message),
        VolumeErrorCode.Io => ("Io", ErrorCategory.WriteError, message),
        VolumeErrorCode.UnknownProtectorKind => ("UnknownProtectorKind", ErrorCategory.NotImplemented, message),
        _ => ("ProtectorFailure", ErrorCategory.DeviceError, message),
    };

    private static (string, ErrorCategory, string) Tpm(TpmFailure failure, string message) => failure switch
    {
        TpmFailure.PcrMismatch => ("TpmPcrMismatch", ErrorCategory.SecurityError, message),
        TpmFailure.WrongPin => ("WrongCredential", ErrorCategory.AuthenticationError, message),
        TpmFailure.PinRequired => ("PinRequired", ErrorCategory.AuthenticationError, message),
        TpmFailure.Lockout => ("TpmLockout", ErrorCategory.PermissionDenied, message),
        TpmFailure.NoTpm => ("TpmUnavailable", ErrorCategory.ResourceUnavailable, message),
        TpmFailure.WrongTpm => ("TpmWrongDevice", ErrorCategory.SecurityError, message),
        TpmFailure.MalformedSealedObject => ("MetadataDamaged", ErrorCategory.InvalidData, message),
        _ => ("TpmError", ErrorCategory.DeviceError, message),
    };

    private static (string, ErrorCategory, string) CustomerKey(CustomerKeyException c, string message) => c.Reason switch
    {
        CustomerKeyError.WrongPin => ("WrongCredential", ErrorCategory.AuthenticationError, message),
        CustomerKeyError.PinLocked => ("CustomerKeyPinLocked", ErrorCategory.PermissionDenied, message),
        CustomerKeyError.ModuleUnavailable => ("CustomerKeyModuleUnavailable", ErrorCategory.NotInstalled, message),
        CustomerKeyError.TokenMissing or CustomerKeyError.KeyMissing => ("CustomerKeyMissing", ErrorCategory.ObjectNotFound, message),
        _ => ("CustomerKeyError", ErrorCategory.DeviceError, message),
    };
}
