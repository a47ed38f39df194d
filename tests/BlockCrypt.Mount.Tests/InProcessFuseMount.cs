using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Core;
using BlockCrypt.Mount.Fuse;
using BlockCrypt.Storage;

namespace BlockCrypt.Mount.Tests;

/// <summary>
/// A FAT32 image in a temp directory served through <see cref="FuseMount"/> on its own thread of this process.
/// Dispose unmounts (fusermount3 -u, then -uz as a last resort), waits for the loop, closes the filesystem and
/// deletes the directory.
/// </summary>
internal sealed class InProcessFuseMount : IDisposable
{
    private Thread? _thread;
    private FileBlockDevice? _device;
    private FatFileSystem? _fs;
    private int _exitCode = int.MinValue;

    public InProcessFuseMount(long imageBytes = 512L << 20, string? baseDir = null)
    {
        Root = Directory.CreateTempSubdirectory("bc-mount-").FullName;
        if (baseDir != null) { Directory.Delete(Root); Root = Directory.CreateDirectory(Path.Combine(baseDir, Path.GetFileName(Root))).FullName; }
        Image = Path.Combine(Root, "volume.img");
        MountPoint = Path.Combine(Root, "mnt");
        Directory.CreateDirectory(MountPoint);
        try
        {
            using (var f = File.Create(Image)) f.SetLength(imageBytes);
            using var dev = FileBlockDevice.Open(Image, 4096);
            FatFileSystem.Format(dev, new FatFormatOptions { Label = "BCTEST" });
        }
        catch
        {
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    public string Root { get; }
    public string Image { get; }
    public string MountPoint { get; }
    public FuseMount? Mount { get; private set; }

    /// <summary>Mounts the image and waits for FUSE_INIT.</summary>
    public void Start(bool readOnly = false, FuseMountOptions? options = null)
    {
        _device = FileBlockDevice.Open(Image, 4096, readOnly);
        _fs = FatFileSystem.Open(_device, readOnly);
        var core = new MountCore(_fs);
        Mount = new FuseMount(core, MountPoint, options ?? new FuseMountOptions { AutoUnmount = false });
        FuseMount mount = Mount;
        _thread = new Thread(() => _exitCode = mount.Run()) { IsBackground = true, Name = "fuse-loop" };
        _thread.Start();
        if (!mount.Ready.WaitOne(TimeSpan.FromSeconds(20)) || !_thread.IsAlive)
            throw new InvalidOperationException($"The FUSE mount did not come up (exit {_exitCode}).");
    }

    /// <summary>Unmounts, waits for the loop and closes the filesystem (clears the dirty bit). Returns fuse_main_real's code.</summary>
    public int Stop()
    {
        if (Mount is null) return 0;
        if (!Mount.Unmount() && !Mount.Unmount(lazy: true)) FuseMount.UnmountPath(MountPoint, lazy: true);
        bool joined = _thread!.Join(TimeSpan.FromSeconds(30));
        Mount.Core.Dispose();
        _fs!.Dispose();
        _device!.Dispose();
        Mount = null;
        if (!joined) throw new InvalidOperationException("The FUSE loop did not end after unmount.");
        return _exitCode;
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            if (FuseMount.IsMounted(MountPoint)) FuseMount.UnmountPath(MountPoint, lazy: true);
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
