namespace BlockCrypt.Mount.Core;

/// <summary>Why a mount operation failed outside the filesystem itself (bad handle, host setup, platform).</summary>
public enum MountError
{
    /// <summary>A handle number the table does not know (EBADF / STATUS_INVALID_HANDLE).</summary>
    InvalidHandle,
    /// <summary>The handle table is full (EMFILE / STATUS_INSUFFICIENT_RESOURCES).</summary>
    TooManyOpenFiles,
    /// <summary>The request is not supported (EOPNOTSUPP / STATUS_NOT_SUPPORTED).</summary>
    NotSupported,
    /// <summary>The mount point is missing, not a directory or not empty.</summary>
    BadMountPoint,
    /// <summary>The container is already mounted by another host.</summary>
    AlreadyMounted,
    /// <summary>The platform has no FUSE (no /dev/fuse or no libfuse3) or no Dokan.</summary>
    DriverUnavailable,
    /// <summary>The platform mount call failed.</summary>
    MountFailed,
    /// <summary>Nothing is mounted at the given place.</summary>
    NotMounted,
}

/// <summary>The mount layer's exception for expected failures; carries the code the CLI maps to an exit code.</summary>
public sealed class MountException : IOException
{
    /// <summary>Creates the exception.</summary>
    public MountException(MountError error, string message) : base(message) => Error = error;

    /// <summary>Creates the exception with its cause.</summary>
    public MountException(MountError error, string message, Exception inner) : base(message, inner) => Error = error;

    /// <summary>The failure kind.</summary>
    public MountError Error { get; }

    /// <summary>The errno a FUSE callback returns for this failure.</summary>
    public int Errno => Error switch
    {
        MountError.InvalidHandle => Core.Errno.EBADF,
        MountError.TooManyOpenFiles => Core.Errno.EMFILE,
        MountError.NotSupported => Core.Errno.EOPNOTSUPP,
        _ => Core.Errno.EIO,
    };

    /// <summary>The NTSTATUS a Dokan callback returns for this failure.</summary>
    public int NtStatus => Error switch
    {
        MountError.InvalidHandle => Core.NtStatus.InvalidHandle,
        MountError.TooManyOpenFiles => Core.NtStatus.InsufficientResources,
        MountError.NotSupported => Core.NtStatus.NotSupported,
        _ => Core.NtStatus.InternalError,
    };
}
