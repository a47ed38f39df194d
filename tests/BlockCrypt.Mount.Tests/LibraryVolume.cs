using BlockCrypt.FileSystem.Fat32;
using BlockCrypt.Mount.Fuse;
using BlockCrypt.Mount.Host;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Mount.Tests;

/// <summary>
/// An encrypted container made through the library (passphrase protector with the cheapest allowed Argon2id,
/// 512-byte sectors, 48 MiB FAT32 from BlockCrypt's formatter) in a temp directory with two mount points.
/// Dispose dismounts every in-process mount, unmounts leftovers (lazily as a last resort) and deletes everything.
/// </summary>
internal sealed class LibraryVolume : IDisposable
{
    public const string Passphrase = "correct horse battery staple";

    public LibraryVolume()
    {
        Root = Directory.CreateTempSubdirectory("bc-inproc-").FullName;
        Container = Path.Combine(Root, "vol.bc");
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        OtherMountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt2")).FullName;
        try
        {
            var request = new ProtectorRequest
            {
                Kind = ProtectorKind.Passphrase, Secrets = new UnlockCredentials().AddPassphrase(Passphrase), Kdf = KdfOptions.Minimal,
            };
            var (unlocked, results) = Volume.Volume.Create(Container, new VolumeCreateOptions { DataSize = 48L << 20, SectorSize = 512, Protectors = [request] });
            foreach (var r in results) r.Dispose();
            request.Secrets.Dispose();
            VolumeId = unlocked.Volume.Id;
            using (unlocked.Volume)
            using (unlocked)
                FatFileSystem.Format(unlocked.Device, new FatFormatOptions { Label = "INPROC" });
        }
        catch
        {
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    public string Root { get; }
    public string Container { get; }
    public string MountPoint { get; }
    public string OtherMountPoint { get; }
    public Guid VolumeId { get; }

    public MountHostOptions Options(string? mountPoint = null, bool readOnly = false) =>
        new() { Container = Container, MountPoint = mountPoint ?? MountPoint, ReadOnly = readOnly };

    /// <summary>An unlock callback for <see cref="InProcessMount.Start"/> (counts its calls).</summary>
    public Func<MountSource> Unlocker(string passphrase = Passphrase, bool readOnly = false) => () =>
    {
        Interlocked.Increment(ref _unlockCalls);
        var volume = Volume.Volume.Open(Container, readOnly);
        try
        {
            using var credentials = new UnlockCredentials().AddPassphrase(passphrase);
            return MountSource.ForUnlockedVolume(volume.Unlock(credentials));
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    };

    private int _unlockCalls;

    public int UnlockCalls => Volatile.Read(ref _unlockCalls);

    /// <summary>Decrypts the data area into a plain image and runs fsck.fat -n on it; returns the result.</summary>
    public Shell.Result Fsck()
    {
        string plain = Path.Combine(Root, "plain.img");
        using (var volume = Volume.Volume.Open(Container, readOnly: true))
        using (var credentials = new UnlockCredentials().AddPassphrase(Passphrase))
        using (var unlocked = volume.Unlock(credentials))
        using (var output = File.Create(plain))
        {
            var device = unlocked.Device;
            byte[] buffer = new byte[1 << 20];
            int sectorsPerChunk = buffer.Length / device.SectorSize;
            for (long s = 0; s < device.SectorCount; s += sectorsPerChunk)
            {
                int n = (int)Math.Min(sectorsPerChunk, device.SectorCount - s);
                device.Read(s, buffer.AsSpan(0, n * device.SectorSize));
                output.Write(buffer, 0, n * device.SectorSize);
            }
        }
        try
        {
            return Shell.Run("fsck.fat", ["-n", plain]);
        }
        finally
        {
            File.Delete(plain);
        }
    }

    public void Dispose()
    {
        foreach (InProcessMount m in InProcessMount.Active.Where(m => m.ContainerPath == Container)) m.Dispose();
        foreach (string mp in new[] { MountPoint, OtherMountPoint }.Where(FuseMount.IsMounted))
        {
            if (!FuseMount.UnmountPath(mp, lazy: false)) FuseMount.UnmountPath(mp, lazy: true);
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
