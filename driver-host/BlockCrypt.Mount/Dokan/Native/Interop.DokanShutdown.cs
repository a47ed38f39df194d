using System.Runtime.InteropServices;

namespace BlockCrypt.Mount.Dokan.Native;

internal static partial class DokanInterop
{
    /// <summary>void DOKANAPI DokanShutdown(void): release the library after the last unmount (Dokan 2.x).</summary>
    [LibraryImport(DokanLibrary.Name)]
    internal static partial void DokanShutdown();
}
