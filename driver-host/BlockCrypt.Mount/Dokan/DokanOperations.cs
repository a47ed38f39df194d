using BlockCrypt.FileSystem;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan.Native;

namespace BlockCrypt.Mount.Dokan;

/// <summary>
/// The Dokan 2.x operations over the shared <see cref="MountCore"/>: each method has the shape of one
/// DOKAN_OPERATIONS callback, returns an NTSTATUS and never throws (failures are mapped with
/// <see cref="ErrorMapping.ToNtStatus(Exception)"/>). DOKAN_FILE_INFO.Context holds the core's handle number
/// for files (0 for directories). Buffers are the native ones, seen through spans.
/// </summary>
/// <remarks>Threading: Dokan calls from many threads at once; the core is thread-safe.</remarks>
public sealed unsafe partial class DokanOperations
{
    // ZwCreateFile CreateDisposition values (wdm.h).
    public const uint FILE_SUPERSEDE = 0, FILE_OPEN = 1, FILE_CREATE = 2, FILE_OPEN_IF = 3, FILE_OVERWRITE = 4, FILE_OVERWRITE_IF = 5;
    // ZwCreateFile CreateOptions bits (wdm.h).
    public const uint FILE_DIRECTORY_FILE = 0x1, FILE_NON_DIRECTORY_FILE = 0x40, FILE_DELETE_ON_CLOSE = 0x1000;
    // ACCESS_MASK bits that need a writable handle (winnt.h).
    private const uint WriteAccess = 0x2 /* FILE_WRITE_DATA */ | 0x4 /* FILE_APPEND_DATA */ | 0x40000000 /* GENERIC_WRITE */
        | 0x10000000 /* GENERIC_ALL */ | 0x02000000 /* MAXIMUM_ALLOWED */;

    /// <summary>Creates the operations over <paramref name="core"/>.</summary>
    public DokanOperations(MountCore core)
    {
        ArgumentNullException.ThrowIfNull(core);
        Core = core;
    }

    /// <summary>The shared core.</summary>
    public MountCore Core { get; }

    /// <summary>Raised by Dokan's Mounted callback with the mount point Dokan actually serves (e.g. "X:\\").</summary>
    public event Action<string>? Mounted;

    /// <summary>Raised by Dokan's Unmounted callback.</summary>
    public event Action? Unmounted;

    /// <summary>Mounted: the volume is in place at <paramref name="mountPoint"/>.</summary>
    public int OnMounted(string mountPoint)
    {
        Mounted?.Invoke(mountPoint);
        return NtStatus.Success;
    }

    /// <summary>Unmounted: Dokan is taking the volume down (files are flushed by the host afterwards).</summary>
    public int OnUnmounted()
    {
        Unmounted?.Invoke();
        return NtStatus.Success;
    }

    /// <summary>
    /// ZwCreateFile: opens or creates per CreateDisposition (FILE_SUPERSEDE ... FILE_OVERWRITE_IF), directories when
    /// FILE_DIRECTORY_FILE is set or the path is one. Returns STATUS_OBJECT_NAME_COLLISION when FILE_OPEN_IF or
    /// FILE_OVERWRITE_IF opened an existing object (dokan.h: "opened, not created").
    /// </summary>
    public int ZwCreateFile(string fileName, uint desiredAccess, uint fileAttributes, uint shareAccess,
        uint createDisposition, uint createOptions, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (createDisposition > FILE_OVERWRITE_IF) return NtStatus.InvalidParameter;
            string path = MountPath.Normalize(fileName);
            FileEntry? entry = Core.TryStat(path);
            bool wantDirectory = (createOptions & FILE_DIRECTORY_FILE) != 0;
            if (entry is { IsDirectory: true } || (entry is null && wantDirectory))
                return OpenDirectory(path, entry, createDisposition, createOptions, info);
            if (wantDirectory) return NtStatus.NotADirectory;
            info->IsDirectory = 0;

            bool writable = (desiredAccess & WriteAccess) != 0 || createDisposition != FILE_OPEN;
            if (writable && Core.IsReadOnly)
            {
                if (entry is null || createDisposition != FILE_OPEN_IF) return NtStatus.MediaWriteProtected;
                writable = false;
            }
            if (entry is null)
            {
                if (createDisposition is FILE_OPEN or FILE_OVERWRITE) return NotFoundStatus(path);
                info->Context = Core.Open(path, FileOpenMode.CreateNew, writable: true);
                if (fileAttributes != 0) ApplyAttributes(path, fileAttributes);
                return NtStatus.Success;
            }
            switch (createDisposition)
            {
                case FILE_CREATE:
                    return NtStatus.ObjectNameCollision;
                case FILE_OPEN:
                    info->Context = Core.Open(path, FileOpenMode.Open, writable);
                    return NtStatus.Success;
                case FILE_OPEN_IF:
                    info->Context = Core.Open(path, FileOpenMode.Open, writable);
                    return NtStatus.ObjectNameCollision;
                case FILE_OVERWRITE_IF:
                    info->Context = Core.Open(path, FileOpenMode.Truncate, writable: true);
                    return NtStatus.ObjectNameCollision;
                default: // FILE_OVERWRITE, FILE_SUPERSEDE: replace the data of the existing file.
                    info->Context = Core.Open(path, FileOpenMode.Truncate, writable: true);
                    return NtStatus.Success;
            }
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    private int OpenDirectory(string path, FileEntry? entry, uint disposition, uint options, DOKAN_FILE_INFO* info)
    {
        if ((options & FILE_NON_DIRECTORY_FILE) != 0) return NtStatus.FileIsADirectory;
        if (entry is not null)
        {
            if (disposition == FILE_CREATE) return NtStatus.ObjectNameCollision;
            if (disposition is FILE_SUPERSEDE or FILE_OVERWRITE or FILE_OVERWRITE_IF) return NtStatus.FileIsADirectory;
            info->IsDirectory = 1;
            info->Context = 0;
            return disposition == FILE_OPEN_IF ? NtStatus.ObjectNameCollision : NtStatus.Success;
        }
        if (disposition is not (FILE_CREATE or FILE_OPEN_IF)) return NotFoundStatus(path);
        if (Core.IsReadOnly) return NtStatus.MediaWriteProtected;
        Core.FileSystem.CreateDirectory(path);
        info->IsDirectory = 1;
        info->Context = 0;
        return NtStatus.Success;
    }

    // ZwCreateFile distinguishes a missing leaf (OBJECT_NAME_NOT_FOUND) from a missing parent (OBJECT_PATH_NOT_FOUND).
    private int NotFoundStatus(string path)
    {
        int slash = path.LastIndexOf('/');
        string parent = slash <= 0 ? "/" : path[..slash];
        return Core.TryStat(parent) is { IsDirectory: true } ? NtStatus.ObjectNameNotFound : NtStatus.ObjectPathNotFound;
    }

    /// <summary>Cleanup: the last user handle closed; deletes the object when DeleteOnClose is set (the delete was
    /// validated by DeleteFile/DeleteDirectory, so failures here are swallowed: Cleanup cannot fail).</summary>
    public void Cleanup(string fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (info->DeleteOnClose == 0) return;
            CloseContext(info);
            string path = MountPath.Normalize(fileName);
            if (info->IsDirectory != 0) Core.FileSystem.DeleteDirectory(path);
            else Core.FileSystem.DeleteFile(path);
        }
        catch (Exception)
        {
            // dokan.h: Cleanup has no status; DeleteFile/DeleteDirectory already answered whether deletion is possible.
        }
    }

    /// <summary>CloseFile: releases whatever Context still holds.</summary>
    public void CloseFile(string fileName, DOKAN_FILE_INFO* info)
    {
        try { CloseContext(info); }
        catch (Exception) { /* no status to return; the handle table entry is gone either way */ }
    }

    private void CloseContext(DOKAN_FILE_INFO* info)
    {
        ulong handle = info->Context;
        info->Context = 0;
        if (handle != 0) Core.Close(handle);
    }

    /// <summary>ReadFile into the native buffer; a read at or past the end returns success with 0 bytes.</summary>
    public int ReadFile(string fileName, Span<byte> buffer, out uint bytesRead, long offset, DOKAN_FILE_INFO* info)
    {
        bytesRead = 0;
        try
        {
            if (info->IsDirectory != 0) return NtStatus.FileIsADirectory;
            if (info->Context != 0)
            {
                bytesRead = (uint)Core.Read(info->Context, offset, buffer);
                return NtStatus.Success;
            }
            // Paging reads may arrive after Cleanup on some paths: serve them through a short-lived handle.
            ulong h = Core.Open(MountPath.Normalize(fileName), FileOpenMode.Open, writable: false);
            try { bytesRead = (uint)Core.Read(h, offset, buffer); }
            finally { Core.Close(h); }
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>
    /// WriteFile from the native buffer. WriteToEndOfFile appends; paging I/O never extends the file (the cache
    /// manager writes whole pages past the end, which must be cut at the current length).
    /// </summary>
    public int WriteFile(string fileName, ReadOnlySpan<byte> data, out uint bytesWritten, long offset, DOKAN_FILE_INFO* info)
    {
        bytesWritten = 0;
        try
        {
            if (info->IsDirectory != 0) return NtStatus.FileIsADirectory;
            if (info->Context == 0) return NtStatus.InvalidHandle;
            ulong h = info->Context;
            if (info->WriteToEndOfFile != 0) offset = Core.GetLength(h);
            else if (info->PagingIo != 0)
            {
                long length = Core.GetLength(h);
                if (offset >= length) return NtStatus.Success;
                if (offset + data.Length > length) data = data[..(int)(length - offset)];
            }
            Core.Write(h, offset, data);
            bytesWritten = (uint)data.Length;
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }

    /// <summary>FlushFileBuffers: makes the file durable (directories: the whole filesystem).</summary>
    public int FlushFileBuffers(string fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (info->Context != 0) Core.Flush(info->Context);
            else if (!Core.IsReadOnly) Core.FileSystem.Flush();
            return NtStatus.Success;
        }
        catch (Exception e) { return ErrorMapping.ToNtStatus(e); }
    }
}
