using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Fuse.Native;

/// <summary>struct fuse_context (fuse.h), 40 bytes: the calling process and the private_data given to fuse_main_real.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct FuseContext
{
    [FieldOffset(0)] public void* fuse;
    [FieldOffset(8)] public uint uid;
    [FieldOffset(12)] public uint gid;
    [FieldOffset(16)] public int pid;
    [FieldOffset(24)] public void* private_data;
    [FieldOffset(32)] public uint umask;
}
