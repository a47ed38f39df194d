using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BlockCrypt.Tpm.Transport.Native;

/// <summary>P/Invoke declarations for the Windows TPM Base Services (tbs.dll), from Microsoft's tbs.h documentation.</summary>
internal static partial class Tbs
{
    internal const string Library = "tbs.dll";

    /// <summary>TPM_VERSION_20 for TBS_CONTEXT_PARAMS2.version.</summary>
    internal const uint TpmVersion20 = 2;

    /// <summary>TBS_CONTEXT_PARAMS2 flag bit includeTpm20 (bit 2; bit 0 requestRaw, bit 1 includeTpm12).</summary>
    internal const uint IncludeTpm20 = 1u << 2;

    /// <summary>TBS_COMMAND_LOCALITY_ZERO.</summary>
    internal const uint LocalityZero = 0;

    /// <summary>TBS_COMMAND_PRIORITY_NORMAL.</summary>
    internal const uint PriorityNormal = 200;

    /// <summary>TBS_SUCCESS.</summary>
    internal const uint Success = 0;

    /// <summary>TBS_CONTEXT_PARAMS2: UINT32 version; union { struct { requestRaw:1, includeTpm12:1, includeTpm20:1 }; UINT32 asUINT32; }.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ContextParams2
    {
        public uint Version;
        public uint Flags;
    }

    [LibraryImport(Library, EntryPoint = "Tbsi_Context_Create")]
    internal static partial uint Tbsi_Context_Create(in ContextParams2 contextParams, out SafeTbsContextHandle context);

    [LibraryImport(Library, EntryPoint = "Tbsip_Submit_Command")]
    internal static partial uint Tbsip_Submit_Command(
        SafeTbsContextHandle context, uint locality, uint priority,
        ReadOnlySpan<byte> command, uint commandLength, Span<byte> result, ref uint resultLength);

    [LibraryImport(Library, EntryPoint = "Tbsip_Context_Close")]
    internal static partial uint Tbsip_Context_Close(IntPtr context);
}

/// <summary>A TBS_HCONTEXT, closed with Tbsip_Context_Close.</summary>
internal sealed class SafeTbsContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the interop marshaller.</summary>
    public SafeTbsContextHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle() => Tbs.Tbsip_Context_Close(handle) == Tbs.Success;
}
