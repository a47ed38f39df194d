using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

internal static partial class DokanInterop
{
    /// <summary>void DOKANAPI DokanInit(void): initialise the library before any mount (Dokan 2.x).</summary>
    [LibraryImport(DokanLibrary.Name)]
    internal static partial void DokanInit();
}
