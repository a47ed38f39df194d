using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct stat of glibc on x86_64 (bits/struct_stat.h), 144 bytes; nlink precedes mode on this ABI.</summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct NativeStat
{
    [FieldOffset(0)] public ulong st_dev;
    [FieldOffset(8)] public ulong st_ino;
    [FieldOffset(16)] public ulong st_nlink;
    [FieldOffset(24)] public uint st_mode;
    [FieldOffset(28)] public uint st_uid;
    [FieldOffset(32)] public uint st_gid;
    [FieldOffset(40)] public ulong st_rdev;
    [FieldOffset(48)] public long st_size;
    [FieldOffset(56)] public long st_blksize;
    [FieldOffset(64)] public long st_blocks;
    [FieldOffset(72)] public Timespec st_atim;
    [FieldOffset(88)] public Timespec st_mtim;
    [FieldOffset(104)] public Timespec st_ctim;

    public const uint S_IFDIR = 0x4000;
    public const uint S_IFREG = 0x8000;
}
