using System.Runtime.InteropServices;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Dokan.Native;

namespace BlockCrypt.Mount.Dokan;

/// <summary>
/// Serves a <see cref="MountCore"/> as a drive letter or NTFS folder through Dokan 2.x (Windows only; the type
/// compiles everywhere and loads dokan2.dll only in <see cref="Run"/>). The DOKAN_OPTIONS, DOKAN_OPERATIONS and the
/// mount point string live in native memory and the operations object behind a GCHandle until Dokan has closed the
/// file system, so the collector can never free or move what the driver uses (the dokan-dotnet#280 lesson).
/// </summary>
public sealed class DokanMount
{
    /// <summary>Prepares a mount at <paramref name="mountPoint"/> ("X:" or an empty NTFS folder).</summary>
    public DokanMount(MountCore core, string mountPoint)
    {
        ArgumentNullException.ThrowIfNull(core);
        Operations = new DokanOperations(core);
        MountPoint = ToDokanMountPoint(mountPoint);
        Operations.Mounted += _ => Mounted?.Invoke();
    }

    /// <summary>Raised (on a Dokan thread) once the file system is mounted.</summary>
    public event Action? Mounted;

    /// <summary>The operations served.</summary>
    public DokanOperations Operations { get; }

    /// <summary>The mount point handed to Dokan.</summary>
    public string MountPoint { get; }

    /// <summary>Mounts and blocks until the file system is unmounted (<see cref="Unmount()"/> or Explorer).</summary>
    public unsafe void Run()
    {
        if (!OperatingSystem.IsWindows())
            throw new MountException(MountError.DriverUnavailable, "Dokan mounts need Windows with Dokan 2.x installed.");
        var self = GCHandle.Alloc(Operations);
        var options = (DOKAN_OPTIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPTIONS));
        var ops = (DOKAN_OPERATIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPERATIONS));
        char* mountPoint = (char*)Marshal.StringToHGlobalUni(MountPoint);
        IntPtr handle = IntPtr.Zero;
        try
        {
            options->Version = DokanLibrary.Version;
            options->Options = DokanLibrary.OptionMountManager | (Operations.Core.IsReadOnly ? DokanLibrary.OptionWriteProtect : 0);
            options->GlobalContext = (ulong)(long)GCHandle.ToIntPtr(self);
            options->MountPoint = mountPoint;
            options->Timeout = 30_000;
            options->AllocationUnitSize = (uint)Operations.Core.FileSystem.GetStats().ClusterSize;
            options->SectorSize = 512;
            DokanCallbacks.Fill(ops);
            DokanInterop.DokanInit();
            try
            {
                int status;
                try { status = DokanInterop.DokanCreateFileSystem(options, ops, &handle); }
                catch (DllNotFoundException e) { throw new MountException(MountError.DriverUnavailable, "dokan2.dll is not installed (Dokan 2.x).", e); }
                if (status != DokanLibrary.Success)
                    throw new MountException(MountError.MountFailed, $"Dokan could not mount {MountPoint} (DokanCreateFileSystem returned {status}).");
                DokanInterop.DokanWaitForFileSystemClosed(handle, uint.MaxValue);
            }
            finally
            {
                if (handle != IntPtr.Zero) DokanInterop.DokanCloseHandle(handle);
                DokanInterop.DokanShutdown();
            }
        }
        finally
        {
            Marshal.FreeHGlobal((IntPtr)mountPoint);
            NativeMemory.Free(ops);
            NativeMemory.Free(options);
            self.Free();
        }
    }

    /// <summary>Unmounts this mount; true on success.</summary>
    public bool Unmount() => UnmountPath(MountPoint);

    /// <summary>Asks Dokan to unmount <paramref name="mountPoint"/> ("X:" or a folder); true on success.</summary>
    public static bool UnmountPath(string mountPoint)
    {
        if (!OperatingSystem.IsWindows()) return false;
        try { return DokanInterop.DokanRemoveMountPoint(ToDokanMountPoint(mountPoint)); }
        catch (DllNotFoundException) { return false; }
    }

    /// <summary>True when dokan2.dll loads (Windows with Dokan 2.x installed); otherwise why not.</summary>
    public static bool IsSupported(out string reason)
    {
        if (!OperatingSystem.IsWindows())
        {
            reason = "Dokan mounts need Windows with Dokan 2.x installed.";
            return false;
        }
        if (!NativeLibrary.TryLoad(DokanLibrary.Name, out IntPtr handle))
        {
            reason = "dokan2.dll is not installed: install Dokan 2.x (the signed installer from the Dokan project's releases) and reboot if asked.";
            return false;
        }
        NativeLibrary.Free(handle);
        reason = "";
        return true;
    }

    /// <summary>Dokan wants a drive letter with its backslash ("X:\\"); folders pass unchanged.</summary>
    internal static string ToDokanMountPoint(string mountPoint) =>
        mountPoint.Length == 2 && mountPoint[1] == ':' ? mountPoint + "\\" : mountPoint;
}
