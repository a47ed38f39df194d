using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

/// <summary>
/// DOKAN_FILE_INFO of Dokan 2.x (dokan.h): Context (ours: the handle number), DokanContext (the library's),
/// DokanOptions, ProcessingContext (2.x), ProcessId, then six UCHAR flags.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct DOKAN_FILE_INFO
{
    public ulong Context;
    public ulong DokanContext;
    internal DOKAN_OPTIONS* DokanOptions;
    public void* ProcessingContext;
    public uint ProcessId;
    public byte IsDirectory;
    public byte DeleteOnClose;
    public byte PagingIo;
    public byte SynchronousIo;
    public byte Nocache;
    public byte WriteToEndOfFile;
}
