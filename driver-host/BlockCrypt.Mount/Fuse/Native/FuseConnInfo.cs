using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct fuse_conn_info of libfuse 3.14 (fuse_common.h): all u32; only the fields set in init are declared.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct FuseConnInfo
{
    [FieldOffset(8)] public uint max_write;
    [FieldOffset(12)] public uint max_read;
    [FieldOffset(16)] public uint max_readahead;
    [FieldOffset(20)] public uint capable;
    [FieldOffset(24)] public uint want;
    [FieldOffset(28)] public uint max_background;

    /// <summary>FUSE_CAP_WRITEBACK_CACHE (fuse_common.h).</summary>
    public const uint WritebackCache = 0x10000;
}
