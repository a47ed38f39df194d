namespace BlockCrypt.Mount.Dokan.Native;

/// <summary>Dokan 2.x constants (dokan.h, public.h). dokan2.dll is only ever loaded on Windows.</summary>
internal static class DokanLibrary
{
    /// <summary>The user-mode library of Dokan 2.x.</summary>
    public const string Name = "dokan2";

    /// <summary>DOKAN_VERSION requested (2.0.0 written without dots).</summary>
    public const ushort Version = 200;

    /// <summary>DokanCreateFileSystem / DokanMain success.</summary>
    public const int Success = 0;

    // DOKAN_OPTION_* flags (dokan.h).
    public const uint OptionWriteProtect = 8;
    public const uint OptionMountManager = 64;
    public const uint OptionCurrentSession = 128;
}
