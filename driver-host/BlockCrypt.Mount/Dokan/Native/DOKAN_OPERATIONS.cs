using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

/// <summary>DOKAN_OPERATIONS of Dokan 2.x (dokan.h): 25 callback pointers in header order; null = not implemented.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DOKAN_OPERATIONS
{
    public void* ZwCreateFile, Cleanup, CloseFile, ReadFile, WriteFile, FlushFileBuffers, GetFileInformation,
        FindFiles, FindFilesWithPattern, SetFileAttributes, SetFileTime, DeleteFile, DeleteDirectory, MoveFile,
        SetEndOfFile, SetAllocationSize, LockFile, UnlockFile, GetDiskFreeSpace, GetVolumeInformation, Mounted,
        Unmounted, GetFileSecurity, SetFileSecurity, FindStreams;
}
