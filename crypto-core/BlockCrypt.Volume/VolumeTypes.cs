using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume;

/// <summary>A protector to create: its kind, its secret(s) and KDF cost.</summary>
public sealed class ProtectorRequest
{
    /// <summary>Kind of the new protector.</summary>
    public required ProtectorKind Kind { get; init; }

    /// <summary>The new protector's secret (a passphrase; a recovery key or key file to reuse instead of generating one; a TPM/PKCS#11 credential object).</summary>
    public UnlockCredentials Secrets { get; init; } = new();

    /// <summary>Optional description (at most 256 UTF-8 bytes).</summary>
    public string Description { get; init; } = "";

    /// <summary>KDF cost for kinds that stretch a secret.</summary>
    public KdfOptions Kdf { get; init; } = new();
}

/// <summary>A created protector, and what must be shown or saved once.</summary>
public sealed class ProtectorAddResult : IDisposable
{
    /// <summary>Id of the new protector.</summary>
    public required Guid Id { get; init; }

    /// <summary>Its kind.</summary>
    public required ProtectorKind Kind { get; init; }

    /// <summary>The recovery password to show once (recovery kind), else null.</summary>
    public string? RecoveryPassword { get; init; }

    /// <summary>Generated key-file bytes to save (key-file kind without given contents), else null. Zeroed by <see cref="Dispose"/>.</summary>
    public byte[]? KeyFile { get; init; }

    /// <summary>Zeroes <see cref="KeyFile"/>.</summary>
    public void Dispose()
    {
        if (KeyFile is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(KeyFile);
    }
}

/// <summary>Parameters of a new volume.</summary>
public sealed class VolumeCreateOptions
{
    /// <summary>Size of the data area in bytes (a multiple of the sector size); for an existing block device, null = the device size minus 1 MiB.</summary>
    public long? DataSize { get; init; }

    /// <summary>Data cipher (default AES-256-XTS).</summary>
    public CipherKind Cipher { get; init; } = CipherKind.AesXts256;

    /// <summary>Data sector size: 512 or 4096 (default).</summary>
    public int SectorSize { get; init; } = 4096;

    /// <summary>Initial protectors (at least one).</summary>
    public required IReadOnlyList<ProtectorRequest> Protectors { get; init; }
}

/// <summary>Public view of a protector (no secrets).</summary>
public sealed record ProtectorInfo(Guid Id, ProtectorKind Kind, string KindName, DateTimeOffset Created, string Description, string Details)
{
    /// <summary>tpm: the PCRs (sha256 bank) the protector binds, or while suspended the PCRs it will bind on resume; else empty.</summary>
    public IReadOnlyList<int> Pcrs { get; init; } = [];

    /// <summary>tpm: unsealing needs a PIN.</summary>
    public bool RequiresPin { get; init; }

    /// <summary>tpm: suspended (sealed to no PCR until <see cref="UnlockedVolume.ResumeTpmProtection"/>).</summary>
    public bool Suspended { get; init; }
}

/// <summary>What <c>status</c> shows: layout, copies and protectors (all unauthenticated until unlocked).</summary>
public sealed record VolumeStatus(
    Guid VolumeId, ushort FormatVersion, string Cipher, int SectorSize, long DataOffset, long DataSize, ulong Sequence,
    DateTimeOffset Created, IReadOnlyList<CopyHealth> Copies, IReadOnlyList<ProtectorInfo> Protectors)
{
    /// <summary>True when any tpm protector is suspended (BitLocker's ProtectionStatus "Off"/suspended).</summary>
    public bool ProtectionSuspended => Protectors.Any(p => p.Suspended);
}
