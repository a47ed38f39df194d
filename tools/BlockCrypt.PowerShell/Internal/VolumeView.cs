using BlockCrypt.Volume;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>Builds the pipeline objects from the library's <see cref="VolumeStatus"/> and <see cref="ProtectorInfo"/>.</summary>
internal static class VolumeView
{
    /// <summary>The volume object for <paramref name="status"/> of the container at <paramref name="path"/>.</summary>
    public static BlockCryptVolume Create(string path, VolumeStatus status, bool authenticated,
        IEnumerable<BlockCryptKeyProtector>? protectors = null)
    {
        string? mountPoint = SessionMounts.MountPointOf(path);
        return new BlockCryptVolume
        {
            Path = path,
            VolumeId = status.VolumeId,
            CapacityBytes = status.DataSize,
            SectorSize = status.SectorSize,
            Cipher = status.Cipher == "aes-xts-128" ? "AES-128-XTS" : "AES-256-XTS",
            MetadataCopiesValid = status.Copies.Count(c => c.State == CopyState.Current),
            KeyProtector = [.. protectors ?? status.Protectors.Select(p => Protector(path, status.VolumeId, p))],
            ProtectionStatus = status.ProtectionSuspended ? "Suspended" : "On",
            MountPoint = mountPoint,
            LockStatus = mountPoint is null ? "Locked" : "Mounted",
            MetadataAuthenticated = authenticated,
            CreatedUtc = status.Created.UtcDateTime,
        };
    }

    /// <summary>The protector object for <paramref name="p"/>; <paramref name="recoveryPassword"/> only right after creation.</summary>
    public static BlockCryptKeyProtector Protector(string path, Guid volumeId, ProtectorInfo p, string? recoveryPassword = null)
    {
        bool tpm = p.Kind == ProtectorKind.Tpm;
        return new BlockCryptKeyProtector
        {
            KeyProtectorId = p.Id,
            KeyProtectorType = TypeName(p),
            Pcr = tpm ? [.. p.Pcrs] : null,
            CreatedUtc = p.Created.UtcDateTime,
            VolumeId = volumeId,
            Path = path,
            Description = p.Description,
            Details = p.Details,
            RecoveryPassword = recoveryPassword,
        };
    }

    /// <summary>The KeyProtectorType of a protector (TPM with a PIN is 'TpmPin').</summary>
    public static string TypeName(ProtectorInfo p) => p.Kind switch
    {
        ProtectorKind.Tpm => p.RequiresPin ? KeyProtectorTypes.TpmPin : KeyProtectorTypes.Tpm,
        ProtectorKind.Passphrase => KeyProtectorTypes.Password,
        ProtectorKind.Recovery => KeyProtectorTypes.RecoveryPassword,
        ProtectorKind.KeyFile => KeyProtectorTypes.StartupKey,
        ProtectorKind.Pkcs11 => KeyProtectorTypes.CustomerKey,
        _ => p.KindName,
    };
}
