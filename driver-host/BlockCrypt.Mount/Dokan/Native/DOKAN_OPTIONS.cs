using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

/// <summary>
/// DOKAN_OPTIONS of Dokan 2.x (dokan.h): Version, SingleThread (BOOLEAN, 2.x replaced 1.x's ThreadCount),
/// Options, GlobalContext, MountPoint, UNCName, Timeout, AllocationUnitSize, SectorSize, then the volume security
/// descriptor (length + VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE = 16 KiB). Natural alignment on x64.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DOKAN_OPTIONS
{
    public ushort Version;
    public byte SingleThread;
    public uint Options;
    public ulong GlobalContext;
    public char* MountPoint;
    public char* UNCName;
    public uint Timeout;
    public uint AllocationUnitSize;
    public uint SectorSize;
    public uint VolumeSecurityDescriptorLength;
    public fixed byte VolumeSecurityDescriptor[16 * 1024];
}
