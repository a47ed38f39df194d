using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

/// <summary>BY_HANDLE_FILE_INFORMATION (fileapi.h), 52 bytes, 4-byte alignment.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public struct BY_HANDLE_FILE_INFORMATION
{
    public uint dwFileAttributes;
    public long ftCreationTime;
    public long ftLastAccessTime;
    public long ftLastWriteTime;
    public uint dwVolumeSerialNumber;
    public uint nFileSizeHigh;
    public uint nFileSizeLow;
    public uint nNumberOfLinks;
    public uint nFileIndexHigh;
    public uint nFileIndexLow;
}
