using BlockCrypt.Storage;

namespace BlockCrypt.Mount.Host;

/// <summary>
/// What the host mounts: the unlocked block device and the object that owns the keys (the unlocked volume).
/// Disposing <see cref="Owner"/> (or the device when there is no owner) zeroes the keys; the host does it at unmount.
/// </summary>
public sealed record MountSource(IBlockDevice Device, IDisposable? Owner = null);
