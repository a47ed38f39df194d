using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

internal static partial class DokanInterop
{
    /// <summary>void DOKANAPI DokanCloseHandle(DOKAN_HANDLE): unmounts if needed and frees the instance.</summary>
    [LibraryImport(DokanLibrary.Name)]
    internal static partial void DokanCloseHandle(IntPtr handle);
}
