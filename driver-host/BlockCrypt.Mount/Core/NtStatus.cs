namespace BlockCrypt.Mount.Core;

/// <summary>The NTSTATUS values (ntstatus.h, [MS-ERREF] §2.3) the Dokan adapter returns.</summary>
public static class NtStatus
{
    public const int Success = 0;
    public const int BufferOverflow = unchecked((int)0x80000005);
    public const int NoMoreFiles = unchecked((int)0x80000006);
    public const int NotImplemented = unchecked((int)0xC0000002);
    public const int InvalidHandle = unchecked((int)0xC0000008);
    public const int InvalidParameter = unchecked((int)0xC000000D);
    public const int EndOfFile = unchecked((int)0xC0000011);
    public const int AccessDenied = unchecked((int)0xC0000022);
    public const int ObjectNameInvalid = unchecked((int)0xC0000033);
    public const int ObjectNameNotFound = unchecked((int)0xC0000034);
    public const int ObjectNameCollision = unchecked((int)0xC0000035);
    public const int ObjectPathNotFound = unchecked((int)0xC000003A);
    public const int DiskFull = unchecked((int)0xC000007F);
    public const int InsufficientResources = unchecked((int)0xC000009A);
    public const int MediaWriteProtected = unchecked((int)0xC00000A2);
    public const int FileIsADirectory = unchecked((int)0xC00000BA);
    public const int NotSupported = unchecked((int)0xC00000BB);
    public const int InternalError = unchecked((int)0xC00000E5);
    public const int DirectoryNotEmpty = unchecked((int)0xC0000101);
    public const int FileCorruptError = unchecked((int)0xC0000102);
    public const int NotADirectory = unchecked((int)0xC0000103);
    public const int NameTooLong = unchecked((int)0xC0000106);
    public const int CannotDelete = unchecked((int)0xC0000121);
    public const int IoDeviceError = unchecked((int)0xC0000185);
    public const int FileTooLarge = unchecked((int)0xC0000904);
}
