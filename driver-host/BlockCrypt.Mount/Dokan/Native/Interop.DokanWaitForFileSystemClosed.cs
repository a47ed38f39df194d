using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

internal static partial class DokanInterop
{
    /// <summary>DWORD DOKANAPI DokanWaitForFileSystemClosed(DOKAN_HANDLE, DWORD milliseconds).</summary>
    [LibraryImport(DokanLibrary.Name)]
    internal static partial uint DokanWaitForFileSystemClosed(IntPtr handle, uint milliseconds);
}
