using System.Runtime.InteropServices;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan.Native;

namespace BlockCrypt.Mount.Dokan;

/// <summary>
/// The unmanaged side of the Dokan adapter: static <c>[UnmanagedCallersOnly]</c> functions (platform calling
/// convention = __stdcall on Windows) that find their <see cref="DokanOperations"/> through
/// DOKAN_FILE_INFO.DokanOptions->GlobalContext (a <see cref="GCHandle"/>), turn LPCWSTRs into strings and native
/// buffers into spans, and never let an exception cross the boundary.
/// </summary>
internal static unsafe class DokanCallbacks
{
    /// <summary>Fills a DOKAN_OPERATIONS table (native memory owned by the caller, alive for the whole mount).</summary>
    public static void Fill(DOKAN_OPERATIONS* ops)
    {
        *ops = default;
        ops->ZwCreateFile = (delegate* unmanaged<char*, void*, uint, uint, uint, uint, uint, DOKAN_FILE_INFO*, int>)&ZwCreateFile;
        ops->Cleanup = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, void>)&Cleanup;
        ops->CloseFile = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, void>)&CloseFile;
        ops->ReadFile = (delegate* unmanaged<char*, byte*, uint, uint*, long, DOKAN_FILE_INFO*, int>)&ReadFile;
        ops->WriteFile = (delegate* unmanaged<char*, byte*, uint, uint*, long, DOKAN_FILE_INFO*, int>)&WriteFile;
        ops->FlushFileBuffers = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)&FlushFileBuffers;
        ops->GetFileInformation = (delegate* unmanaged<char*, BY_HANDLE_FILE_INFORMATION*, DOKAN_FILE_INFO*, int>)&GetFileInformation;
        ops->FindFiles = (delegate* unmanaged<char*, void*, DOKAN_FILE_INFO*, int>)&FindFiles;
        ops->SetFileAttributes = (delegate* unmanaged<char*, uint, DOKAN_FILE_INFO*, int>)&SetFileAttributes;
        ops->SetFileTime = (delegate* unmanaged<char*, long*, long*, long*, DOKAN_FILE_INFO*, int>)&SetFileTime;
        ops->DeleteFile = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)&DeleteFile;
        ops->DeleteDirectory = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)&DeleteDirectory;
        ops->MoveFile = (delegate* unmanaged<char*, char*, int, DOKAN_FILE_INFO*, int>)&MoveFile;
        ops->SetEndOfFile = (delegate* unmanaged<char*, long, DOKAN_FILE_INFO*, int>)&SetEndOfFile;
        ops->SetAllocationSize = (delegate* unmanaged<char*, long, DOKAN_FILE_INFO*, int>)&SetAllocationSize;
        ops->GetDiskFreeSpace = (delegate* unmanaged<ulong*, ulong*, ulong*, DOKAN_FILE_INFO*, int>)&GetDiskFreeSpace;
        ops->GetVolumeInformation = (delegate* unmanaged<char*, uint, uint*, uint*, uint*, char*, uint, DOKAN_FILE_INFO*, int>)&GetVolumeInformation;
        ops->Mounted = (delegate* unmanaged<char*, DOKAN_FILE_INFO*, int>)&Mounted;
        ops->Unmounted = (delegate* unmanaged<DOKAN_FILE_INFO*, int>)&Unmounted;
    }

    [UnmanagedCallersOnly]
    private static int Mounted(char* mountPoint, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).OnMounted(Str(mountPoint)); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int Unmounted(DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).OnUnmounted(); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    private static DokanOperations Ops(DOKAN_FILE_INFO* info) =>
        (DokanOperations)GCHandle.FromIntPtr((IntPtr)(long)info->DokanOptions->GlobalContext).Target!;

    private static string Str(char* s) => s == null ? "" : new string(s);

    [UnmanagedCallersOnly]
    private static int ZwCreateFile(char* fileName, void* securityContext, uint access, uint attributes, uint share,
        uint disposition, uint options, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).ZwCreateFile(Str(fileName), access, attributes, share, disposition, options, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static void Cleanup(char* fileName, DOKAN_FILE_INFO* info)
    {
        try { Ops(info).Cleanup(Str(fileName), info); }
        catch (Exception) { /* void callback: nothing may escape */ }
    }

    [UnmanagedCallersOnly]
    private static void CloseFile(char* fileName, DOKAN_FILE_INFO* info)
    {
        try { Ops(info).CloseFile(Str(fileName), info); }
        catch (Exception) { /* void callback: nothing may escape */ }
    }

    [UnmanagedCallersOnly]
    private static int ReadFile(char* fileName, byte* buffer, uint length, uint* read, long offset, DOKAN_FILE_INFO* info)
    {
        try
        {
            int status = Ops(info).ReadFile(Str(fileName), new Span<byte>(buffer, checked((int)length)), out uint n, offset, info);
            if (read != null) *read = n;
            return status;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int WriteFile(char* fileName, byte* buffer, uint length, uint* written, long offset, DOKAN_FILE_INFO* info)
    {
        try
        {
            int status = Ops(info).WriteFile(Str(fileName), new ReadOnlySpan<byte>(buffer, checked((int)length)), out uint n, offset, info);
            if (written != null) *written = n;
            return status;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int FlushFileBuffers(char* fileName, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).FlushFileBuffers(Str(fileName), info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int GetFileInformation(char* fileName, BY_HANDLE_FILE_INFORMATION* buffer, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).GetFileInformation(Str(fileName), buffer, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int FindFiles(char* fileName, void* fill, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).FindFiles(Str(fileName), (delegate* unmanaged<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int>)fill, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int SetFileAttributes(char* fileName, uint attributes, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).SetFileAttributes(Str(fileName), attributes, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int SetFileTime(char* fileName, long* creation, long* access, long* write, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).SetFileTime(Str(fileName), creation, access, write, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int DeleteFile(char* fileName, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).DeleteFile(Str(fileName), info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int DeleteDirectory(char* fileName, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).DeleteDirectory(Str(fileName), info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int MoveFile(char* fileName, char* newFileName, int replace, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).MoveFile(Str(fileName), Str(newFileName), replace != 0, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int SetEndOfFile(char* fileName, long length, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).SetEndOfFile(Str(fileName), length, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int SetAllocationSize(char* fileName, long size, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).SetAllocationSize(Str(fileName), size, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int GetDiskFreeSpace(ulong* available, ulong* total, ulong* free, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).GetDiskFreeSpace(available, total, free, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    [UnmanagedCallersOnly]
    private static int GetVolumeInformation(char* volumeName, uint volumeNameSize, uint* serial, uint* maxComponent,
        uint* flags, char* fsName, uint fsNameSize, DOKAN_FILE_INFO* info)
    {
        try { return Ops(info).GetVolumeInformation(volumeName, volumeNameSize, serial, maxComponent, flags, fsName, fsNameSize, info); }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }
}
