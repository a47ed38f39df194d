using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct statvfs of glibc on x86_64 (bits/statvfs.h), 112 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
internal struct NativeStatVfs
{
    [FieldOffset(0)] public ulong f_bsize;
    [FieldOffset(8)] public ulong f_frsize;
    [FieldOffset(16)] public ulong f_blocks;
    [FieldOffset(24)] public ulong f_bfree;
    [FieldOffset(32)] public ulong f_bavail;
    [FieldOffset(40)] public ulong f_files;
    [FieldOffset(48)] public ulong f_ffree;
    [FieldOffset(56)] public ulong f_favail;
    [FieldOffset(64)] public ulong f_fsid;
    [FieldOffset(72)] public ulong f_flag;
    [FieldOffset(80)] public ulong f_namemax;

    /// <summary>ST_RDONLY.</summary>
    public const ulong ReadOnlyFlag = 1;
}
