using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan.Native;

namespace BlockCrypt.Mount.Dokan;

// Information, listing, names, sizes and volume queries.
public sealed unsafe partial class DokanOperations
{
    // FILE_ATTRIBUTE_* (winnt.h) and file system flags (GetVolumeInformationW).
    private const uint FILE_ATTRIBUTE_DIRECTORY = 0x10, FILE_ATTRIBUTE_NORMAL = 0x80;
    private const uint SettableAttributes = 0x1 | 0x2 | 0x4 | 0x20; // READONLY, HIDDEN, SYSTEM, ARCHIVE
    private const uint FILE_CASE_PRESERVED_NAMES = 0x2, FILE_UNICODE_ON_DISK = 0x4, FILE_READ_ONLY_VOLUME = 0x80000;

    /// <summary>GetFileInformation: fills BY_HANDLE_FILE_INFORMATION (an open file's length comes from its handle).</summary>
    public int GetFileInformation(string fileName, BY_HANDLE_FILE_INFORMATION* buffer, DOKAN_FILE_INFO* info)
    {
        try
        {
            FileEntry entry = Core.FileSystem.Stat(MountPath.Normalize(fileName));
            long length = entry.IsDirectory ? 0 : info->Context != 0 ? Core.GetLength(info->Context) : entry.Length;
            *buffer = default;
            buffer->dwFileAttributes = Attributes(entry);
            buffer->ftCreationTime = FileTime(entry.CreationTimeUtc);
            buffer->ftLastAccessTime = FileTime(entry.LastAccessTimeUtc);
            buffer->ftLastWriteTime = FileTime(entry.LastWriteTimeUtc);
            buffer->dwVolumeSerialNumber = Core.FileSystem.SerialNumber;
            buffer->nFileSizeHigh = (uint)(length >> 32);
            buffer->nFileSizeLow = (uint)length;
            buffer->nNumberOfLinks = 1;
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>FindFiles: one WIN32_FIND_DATAW per entry handed to Dokan's fill function (on the stack, no allocation per entry).</summary>
    public int FindFiles(string fileName, delegate* unmanaged<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int> fill, DOKAN_FILE_INFO* info)
    {
        try
        {
            IReadOnlyList<FileEntry> entries = Core.FileSystem.ReadDirectory(MountPath.Normalize(fileName));
            WIN32_FIND_DATAW data;
            foreach (FileEntry entry in entries)
            {
                data = default;
                data.dwFileAttributes = Attributes(entry);
                data.ftCreationTime = FileTime(entry.CreationTimeUtc);
                data.ftLastAccessTime = FileTime(entry.LastAccessTimeUtc);
                data.ftLastWriteTime = FileTime(entry.LastWriteTimeUtc);
                long length = entry.IsDirectory ? 0 : entry.Length;
                data.nFileSizeHigh = (uint)(length >> 32);
                data.nFileSizeLow = (uint)length;
                entry.Name.AsSpan(0, Math.Min(entry.Name.Length, 259)).CopyTo(new Span<char>(data.cFileName, 259));
                if (entry.ShortName is { } shortName)
                    shortName.AsSpan(0, Math.Min(shortName.Length, 13)).CopyTo(new Span<char>(data.cAlternateFileName, 13));
                // dokan.h: returns 1 when the buffer is full.
                if (fill(&data, info) != 0) break;
            }
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>SetFileAttributes: keeps READONLY/HIDDEN/SYSTEM/ARCHIVE; 0 means "no change".</summary>
    public int SetFileAttributes(string fileName, uint attributes, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (attributes == 0) return NtStatus.Success;
            if (Core.IsReadOnly) return NtStatus.MediaWriteProtected;
            ApplyAttributes(MountPath.Normalize(fileName), attributes);
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    private void ApplyAttributes(string path, uint attributes)
    {
        uint kept = attributes == FILE_ATTRIBUTE_NORMAL ? 0 : attributes & SettableAttributes;
        Core.FileSystem.SetAttributes(path, (FileAttributes)kept);
    }

    /// <summary>SetFileTime: null, 0 or -1 FILETIMEs leave that time unchanged (SetFileTime semantics).</summary>
    public int SetFileTime(string fileName, long* creation, long* access, long* write, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (Core.IsReadOnly) return NtStatus.MediaWriteProtected;
            Core.FileSystem.SetTimes(MountPath.Normalize(fileName), ToTime(creation), ToTime(access), ToTime(write));
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    private static DateTime? ToTime(long* t) => t == null || *t == 0 || *t == -1 ? null : DateTime.FromFileTimeUtc(*t);

    /// <summary>DeleteFile: only checks that the file may be deleted; Cleanup deletes it (dokan.h).</summary>
    public int DeleteFile(string fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (Core.IsReadOnly) return NtStatus.MediaWriteProtected;
            FileEntry entry = Core.FileSystem.Stat(MountPath.Normalize(fileName));
            if (entry.IsDirectory) return NtStatus.AccessDenied;
            if ((entry.Attributes & FileAttributes.ReadOnly) != 0) return NtStatus.CannotDelete;
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>DeleteDirectory: only checks that the directory exists and is empty; Cleanup deletes it.</summary>
    public int DeleteDirectory(string fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (Core.IsReadOnly) return NtStatus.MediaWriteProtected;
            string path = MountPath.Normalize(fileName);
            if (path == "/") return NtStatus.AccessDenied;
            return Core.FileSystem.ReadDirectory(path).Count == 0 ? NtStatus.Success : NtStatus.DirectoryNotEmpty;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>MoveFile: rename; an existing target without replace gives STATUS_OBJECT_NAME_COLLISION.</summary>
    public int MoveFile(string fileName, string newFileName, bool replaceIfExisting, DOKAN_FILE_INFO* info)
    {
        try
        {
            Core.Rename(MountPath.Normalize(fileName), MountPath.Normalize(newFileName), replaceIfExisting);
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>SetEndOfFile: sets the length of the open file.</summary>
    public int SetEndOfFile(string fileName, long length, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (info->Context == 0) return NtStatus.InvalidHandle;
            Core.SetLength(info->Context, length);
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>SetAllocationSize: FAT cannot reserve clusters beyond the length, so only a shrink changes the file.</summary>
    public int SetAllocationSize(string fileName, long allocationSize, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (info->Context == 0) return NtStatus.InvalidHandle;
            if (allocationSize < Core.GetLength(info->Context)) Core.SetLength(info->Context, allocationSize);
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>GetDiskFreeSpace: free bytes for the caller, total bytes, total free bytes.</summary>
    public int GetDiskFreeSpace(ulong* freeBytesAvailable, ulong* totalBytes, ulong* totalFreeBytes, DOKAN_FILE_INFO* info)
    {
        try
        {
            FileSystemStats s = Core.FileSystem.GetStats();
            if (freeBytesAvailable != null) *freeBytesAvailable = (ulong)s.FreeBytes;
            if (totalBytes != null) *totalBytes = (ulong)s.TotalBytes;
            if (totalFreeBytes != null) *totalFreeBytes = (ulong)s.FreeBytes;
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>GetVolumeInformation: label, serial, 255-character names, case-preserving Unicode "FAT32".</summary>
    public int GetVolumeInformation(char* volumeName, uint volumeNameSize, uint* serial, uint* maxComponentLength,
        uint* fileSystemFlags, char* fileSystemName, uint fileSystemNameSize, DOKAN_FILE_INFO* info)
    {
        try
        {
            CopyString(Core.FileSystem.Label, volumeName, volumeNameSize);
            CopyString("FAT32", fileSystemName, fileSystemNameSize);
            if (serial != null) *serial = Core.FileSystem.SerialNumber;
            if (maxComponentLength != null) *maxComponentLength = (uint)Core.FileSystem.MaxNameLength;
            if (fileSystemFlags != null)
                *fileSystemFlags = FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK | (Core.IsReadOnly ? FILE_READ_ONLY_VOLUME : 0);
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    private static void CopyString(string value, char* buffer, uint size)
    {
        if (buffer == null || size == 0) return;
        int n = (int)Math.Min((uint)value.Length, size - 1);
        value.AsSpan(0, n).CopyTo(new Span<char>(buffer, n));
        buffer[n] = '\0';
    }

    private uint Attributes(FileEntry entry)
    {
        uint a = (uint)entry.Attributes & SettableAttributes;
        if (entry.IsDirectory) a |= FILE_ATTRIBUTE_DIRECTORY;
        return a == 0 ? FILE_ATTRIBUTE_NORMAL : a;
    }

    private static long FileTime(DateTime t) =>
        t.Ticks <= new DateTime(1601, 1, 1).Ticks ? 0 : DateTime.SpecifyKind(t, DateTimeKind.Utc).ToFileTimeUtc();
}
