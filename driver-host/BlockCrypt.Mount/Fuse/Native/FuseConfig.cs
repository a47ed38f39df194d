using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct fuse_config of libfuse 3.14 (fuse.h), 128 bytes; offsets checked with offsetof on this machine.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct FuseConfig
{
    [FieldOffset(24)] public double entry_timeout;
    [FieldOffset(32)] public double negative_timeout;
    [FieldOffset(40)] public double attr_timeout;
    [FieldOffset(60)] public int hard_remove;
    [FieldOffset(72)] public int direct_io;
    [FieldOffset(76)] public int kernel_cache;
}
