using BlockCrypt.Storage;
using BlockCrypt.Volume;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// What the host mounts: the unlocked block device and the object that owns the keys (the unlocked volume).
/// Disposing <see cref="Owner"/> (or the device when there is no owner) zeroes the keys; the host does it at unmount.
/// </summary>
public sealed record MountSource(IBlockDevice Device, IDisposable? Owner = null)
{
    /// <summary>Id of the volume served, when known (shown by <see cref="InProcessMount"/>).</summary>
    public Guid? VolumeId { get; init; }

    /// <summary>
    /// The source for an unlocked volume: its decrypted device; at unmount the unlocked volume is disposed (keys
    /// zeroed) and then, when <paramref name="disposeVolume"/>, the volume it came from (container closed).
    /// </summary>
    public static MountSource ForUnlockedVolume(UnlockedVolume unlocked, bool disposeVolume = true)
    {
        ArgumentNullException.ThrowIfNull(unlocked);
        return new MountSource(unlocked.Device, new UnlockedVolumeOwner(unlocked, disposeVolume)) { VolumeId = unlocked.Volume.Id };
    }

    private sealed class UnlockedVolumeOwner(UnlockedVolume unlocked, bool disposeVolume) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                unlocked.Dispose();
            }
            finally
            {
                if (disposeVolume) unlocked.Volume.Dispose();
            }
        }
    }
}
