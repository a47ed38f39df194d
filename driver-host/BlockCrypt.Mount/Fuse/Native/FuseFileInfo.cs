using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct fuse_file_info of libfuse 3.14 (fuse_common.h), 40 bytes: open flags, a bitfield word, the handle.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct FuseFileInfo
{
    /// <summary>open(2) flags.</summary>
    [FieldOffset(0)] public int flags;

    /// <summary>The bitfield word: writepage 0x1, direct_io 0x2, keep_cache 0x4, flush 0x8, nonseekable 0x10.</summary>
    [FieldOffset(4)] public uint bits;

    /// <summary>File handle chosen by open/create.</summary>
    [FieldOffset(16)] public ulong fh;

    [FieldOffset(24)] public ulong lock_owner;

    public const uint DirectIo = 0x2;
    public const uint KeepCache = 0x4;
}
