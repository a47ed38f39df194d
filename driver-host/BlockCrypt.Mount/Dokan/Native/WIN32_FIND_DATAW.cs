using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

/// <summary>WIN32_FIND_DATAW (minwinbase.h), 592 bytes; FILETIMEs are two DWORDs, so 4-byte alignment.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public unsafe struct WIN32_FIND_DATAW
{
    public uint dwFileAttributes;
    public long ftCreationTime;
    public long ftLastAccessTime;
    public long ftLastWriteTime;
    public uint nFileSizeHigh;
    public uint nFileSizeLow;
    public uint dwReserved0;
    public uint dwReserved1;
    public fixed char cFileName[260];
    public fixed char cAlternateFileName[14];
}
