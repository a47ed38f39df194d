using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

internal static unsafe partial class DokanInterop
{
    /// <summary>int DOKANAPI DokanCreateFileSystem(PDOKAN_OPTIONS, PDOKAN_OPERATIONS, DOKAN_HANDLE*): mounts without blocking.</summary>
    [LibraryImport(DokanLibrary.Name)]
    internal static partial int DokanCreateFileSystem(DOKAN_OPTIONS* options, DOKAN_OPERATIONS* operations, IntPtr* handle);
}
