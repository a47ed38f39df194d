using BlockCrypt.FileSystem;
using BlockCrypt.Storage;

namespace BlockCrypt.Mount.Core;

/// <summary>
/// The one place where filesystem failures become errno (FUSE) and NTSTATUS (Dokan) codes. Every mapping is
/// explicit; anything unexpected becomes an I/O error so that no exception ever crosses a native callback.
/// </summary>
public static class ErrorMapping
{
    /// <summary>The positive errno for a filesystem error kind.</summary>
    public static int ToErrno(FileSystemError error) => error switch
    {
        FileSystemError.NotFound => Errno.ENOENT,
        FileSystemError.AlreadyExists => Errno.EEXIST,
        FileSystemError.NotADirectory => Errno.ENOTDIR,
        FileSystemError.IsADirectory => Errno.EISDIR,
        FileSystemError.DirectoryNotEmpty => Errno.ENOTEMPTY,
        FileSystemError.InvalidName => Errno.EINVAL,
        FileSystemError.NameTooLong => Errno.ENAMETOOLONG,
        FileSystemError.FileTooLarge => Errno.EFBIG,
        FileSystemError.NoSpace => Errno.ENOSPC,
        FileSystemError.ReadOnly => Errno.EROFS,
        FileSystemError.Corrupt => Errno.EIO,
        FileSystemError.InvalidArgument => Errno.EINVAL,
        FileSystemError.AccessDenied => Errno.EACCES,
        FileSystemError.IoError => Errno.EIO,
        _ => Errno.EIO,
    };

    /// <summary>The positive errno for any exception thrown below an adapter.</summary>
    public static int ToErrno(Exception e) => e switch
    {
        FileSystemException fs => ToErrno(fs.Error),
        MountException m => m.Errno,
        BlockDeviceException => Errno.EIO,
        OutOfMemoryException => Errno.ENOMEM,
        ArgumentException => Errno.EINVAL,
        _ => Errno.EIO,
    };

    /// <summary>The NTSTATUS for a filesystem error kind.</summary>
    public static int ToNtStatus(FileSystemError error) => error switch
    {
        FileSystemError.NotFound => NtStatus.ObjectNameNotFound,
        FileSystemError.AlreadyExists => NtStatus.ObjectNameCollision,
        FileSystemError.NotADirectory => NtStatus.NotADirectory,
        FileSystemError.IsADirectory => NtStatus.FileIsADirectory,
        FileSystemError.DirectoryNotEmpty => NtStatus.DirectoryNotEmpty,
        FileSystemError.InvalidName => NtStatus.ObjectNameInvalid,
        FileSystemError.NameTooLong => NtStatus.NameTooLong,
        FileSystemError.FileTooLarge => NtStatus.FileTooLarge,
        FileSystemError.NoSpace => NtStatus.DiskFull,
        FileSystemError.ReadOnly => NtStatus.MediaWriteProtected,
        FileSystemError.Corrupt => NtStatus.FileCorruptError,
        FileSystemError.InvalidArgument => NtStatus.InvalidParameter,
        FileSystemError.AccessDenied => NtStatus.AccessDenied,
        FileSystemError.IoError => NtStatus.IoDeviceError,
        _ => NtStatus.IoDeviceError,
    };

    /// <summary>The NTSTATUS for any exception thrown below an adapter.</summary>
    public static int ToNtStatus(Exception e) => e switch
    {
        FileSystemException fs => ToNtStatus(fs.Error),
        MountException m => m.NtStatus,
        BlockDeviceException => NtStatus.IoDeviceError,
        OutOfMemoryException => NtStatus.InsufficientResources,
        ArgumentException => NtStatus.InvalidParameter,
        _ => NtStatus.InternalError,
    };
}
