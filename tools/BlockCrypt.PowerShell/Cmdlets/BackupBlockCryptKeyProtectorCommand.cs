using System.Management.Automation;
using System.Security;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.PowerShell.Cmdlets;

/// <summary>
/// <c>Backup-BlockCryptKeyProtector</c>: escrows a recovery password into a directory of JSON records (one per volume,
/// 0600 files in a 0700 directory, replaced atomically). The password is first checked against the protector (it must
/// open the volume), so a mistyped password is never escrowed. Entries of protectors no longer on the volume become
/// 'Superseded'.
/// </summary>
[Cmdlet(VerbsData.Backup, "BlockCryptKeyProtector", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockCryptEscrowRecord))]
public sealed class BackupBlockCryptKeyProtectorCommand : BlockCryptCmdlet
{
    /// <summary>The container file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>The recovery password protector.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public Guid KeyProtectorId { get; set; }

    /// <summary>Its 48-digit recovery password.</summary>
    [Parameter(Mandatory = true)]
    public SecureString RecoveryPassword { get; set; } = null!;

    /// <summary>The escrow store directory (created 0700 when missing).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string EscrowPath { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = ResolvePath(Path);
        string escrow = ResolvePath(EscrowPath);
        Guard(path, () =>
        {
            using var volume = Volume.Volume.Open(path, readOnly: true);
            var status = volume.GetStatus();
            var info = status.Protectors.FirstOrDefault(p => p.Id == KeyProtectorId)
                ?? throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No protector {KeyProtectorId} on this volume.");
            if (info.Kind != ProtectorKind.Recovery)
                throw new BlockCryptCmdletException("NotARecoveryPassword", ErrorCategory.InvalidArgument,
                    $"Protector {KeyProtectorId} is a {VolumeView.TypeName(info)} protector; only RecoveryPassword protectors are escrowed.");
            if (!ShouldProcess(path, $"Escrow the recovery password of protector {KeyProtectorId} into {escrow}")) return;
            using var credentials = new UnlockCredentials { ProtectorId = KeyProtectorId };
            SecretText.UseAsString(RecoveryPassword, text => credentials.AddRecoveryPassword(text));
            WithProgress("Backup-BlockCryptKeyProtector " + path, "Checking the recovery password (KDF)", () =>
            {
                using var unlocked = volume.Unlock(credentials);
            });
            BlockCryptEscrowRecord record = null!;
            SecretText.UseAsString(RecoveryPassword, text =>
            {
                // Normalized to the canonical 8 groups of 6 digits, as shown at creation.
                Span<byte> key = stackalloc byte[BlockCrypt.Volume.Protectors.RecoveryPassword.KeyLength];
                BlockCrypt.Volume.Protectors.RecoveryPassword.Parse(text, key);
                string canonical = BlockCrypt.Volume.Protectors.RecoveryPassword.Format(key);
                key.Clear();
                try
                {
                    record = EscrowStore.Save(escrow, status.VolumeId, path, KeyProtectorId, canonical, [.. status.Protectors.Select(p => p.Id)]);
                }
                finally
                {
                    SecretText.Wipe(canonical);
                }
            });
            if (EscrowStore.LooseDirectoryMode(escrow) is { } mode)
                WriteWarning($"The escrow store '{escrow}' has mode {mode}: other users can list it (the records themselves are 0600). " +
                             "Restrict it to its owner: chmod 700.");
            WriteObject(record);
        });
    }
}
