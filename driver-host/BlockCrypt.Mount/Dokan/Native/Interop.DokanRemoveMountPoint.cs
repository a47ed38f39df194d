using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

internal static partial class DokanInterop
{
    /// <summary>BOOL DOKANAPI DokanRemoveMountPoint(LPCWSTR MountPoint): unmount by drive letter or folder.</summary>
    [LibraryImport(DokanLibrary.Name, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DokanRemoveMountPoint(string mountPoint);
}
