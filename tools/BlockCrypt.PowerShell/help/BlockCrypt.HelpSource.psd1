# Help text of the BlockCrypt module. help/Build-Help.ps1 turns it, with the parameter metadata of the built cmdlets
# (types, mandatory, position, pipeline input, parameter sets), into en-US/BlockCrypt.PowerShell.dll-Help.xml (MAML).
# Parameters: a description in the cmdlet's own Parameters table wins over CommonParameters below.
@{
    CommonParameters = @{
        Path                   = 'The container file (or block device) of the volume. Relative paths are resolved against the current PowerShell location. Accepts the Path property of BlockCryptVolume and BlockCryptKeyProtector objects from the pipeline.'
        UnlockPassword         = 'The passphrase of a Password protector, as a SecureString (Read-Host -AsSecureString). Several may be given.'
        UnlockRecoveryPassword = 'A 48-digit recovery password (8 groups of 6 digits; dashes and spaces optional), as a SecureString. Several may be given.'
        UnlockStartupKeyPath   = 'A startup key file (32 bytes) of a StartupKey protector. Several may be given.'
        UnlockWithTpm          = 'Try the TPM protectors. They are also tried when no other unlock credential is given.'
        UnlockPin              = 'The PIN of a TpmPin protector, as a SecureString (implies -UnlockWithTpm).'
        UnlockPkcs11Module     = 'The PKCS#11 module of the HSM holding a CustomerKey protector''s key (for example /usr/lib/softhsm/libsofthsm2.so).'
        UnlockTokenLabel       = 'Only CustomerKey protectors on this HSM token are tried.'
        UnlockKeyLabel         = 'Only CustomerKey protectors using this HSM key label are tried.'
        UnlockPkcs11Pin        = 'The HSM user PIN, as a SecureString (needed with -UnlockPkcs11Module).'
        TpmDevice              = 'The TPM to use: /dev/tpmrm0, tbs (Windows) or swtpm:HOST:PORT (a software TPM). Default: $env:BLOCKCRYPT_TPM, then the platform''s TPM.'
        PasswordProtector      = 'Create a Password protector: a passphrase stretched by Argon2id (cost calibrated on this machine to about 2 seconds).'
        Password               = 'The passphrase of the new Password protector, as a SecureString.'
        RecoveryPasswordProtector = 'Create a RecoveryPassword protector: a new random 48-digit recovery password (BitLocker''s format), returned ONCE in the RecoveryPassword property of the output. Escrow it with Backup-BlockCryptKeyProtector.'
        StartupKeyProtector    = 'Create a StartupKey protector: 32 random bytes written to -StartupKeyPath.'
        StartupKeyPath         = 'The new startup key file. It is created with mode 0600; an existing file is never overwritten.'
        TpmProtector           = 'Create a TPM protector: a random key sealed to the TPM under a policy on the PCRs given by -Pcr (and a PIN with -Pin).'
        Pcr                    = 'PCR indices (sha256 bank, 0-23) the new TPM protector is sealed to. Default: 7 (Secure Boot state).'
        Pin                    = 'A PIN for the new TPM protector, as a SecureString (the protector becomes TpmPin; the PIN is needed at every unlock).'
        CustomerKeyProtector   = 'Create a CustomerKey protector: the volume master key wrapped by a key that never leaves an HSM (PKCS#11). Destroying that key crypto-erases the volume.'
        Pkcs11Module           = 'The PKCS#11 module of the HSM for the new CustomerKey protector.'
        TokenLabel             = 'The HSM token label for the new CustomerKey protector.'
        KeyLabel               = 'The label (CKA_LABEL) of the HSM key for the new CustomerKey protector.'
        Pkcs11Pin              = 'The HSM user PIN, as a SecureString.'
        Description            = 'A description stored with the new protector (at most 256 UTF-8 bytes).'
        KeyProtectorId         = 'The id of the key protector. Accepts the KeyProtectorId property of BlockCryptKeyProtector objects from the pipeline.'
        ReadOnly               = 'Mount read-only: nothing is written to the container (not even the FAT clean bit).'
        PassThru               = 'Write the resulting BlockCryptVolume object to the pipeline.'
        WhatIf                 = 'Shows what would happen if the cmdlet runs. Nothing is changed.'
        Confirm                = 'Prompts for confirmation before changing anything.'
    }

    Cmdlets = @{
        'New-BlockCryptVolume' = @{
            Synopsis    = 'Creates an encrypted BlockCrypt volume with a key protector and a FAT32 filesystem.'
            Description = @(
                'New-BlockCryptVolume creates a container file (sparse: only metadata and written sectors take space) holding 1 MiB of metadata (three copies) followed by the data area of -Size bytes, encrypted with AES-XTS under a random volume key. The volume key is wrapped by a random volume master key, which is wrapped by the key protector chosen with one of -PasswordProtector, -RecoveryPasswordProtector, -StartupKeyProtector, -TpmProtector or -CustomerKeyProtector.'
                'By default the data area is formatted FAT32 (at least 257 MiB with 4096-byte sectors, 33 MiB with 512-byte sectors); -FileSystem None leaves it unformatted. Add more protectors afterwards with Add-BlockCryptKeyProtector: a volume should always have a RecoveryPassword protector, escrowed with Backup-BlockCryptKeyProtector.'
                'The output is a BlockCryptVolume whose KeyProtector property holds the new protector; for a RecoveryPassword protector its RecoveryPassword property shows the password this one time only.'
            )
            Parameters  = @{
                Path       = 'The container file to create. It must not exist; its folder must.'
                Size       = 'Size of the data area: a number of bytes or text such as 512MiB, 1.5GiB, 64M (PowerShell''s 512MB and 1.5GB work too; units are binary). A multiple of -SectorSize.'
                SectorSize = 'Data sector size in bytes: 4096 (default) or 512.'
                KeySize    = 'AES key size: 256 (default, AES-256-XTS with a 512-bit XTS key) or 128 (AES-128-XTS).'
                FileSystem = 'Filesystem to create in the data area: Fat32 (default) or None.'
                Label      = 'FAT32 volume label, up to 11 characters.'
            }
            Examples    = @(
                @{ Code = @('$pw = Read-Host -AsSecureString -Prompt Passphrase', 'New-BlockCryptVolume -Path ./data.bcv -Size 1GiB -PasswordProtector -Password $pw')
                   Remarks = 'Creates a 1 GiB FAT32 volume protected by a passphrase.' }
                @{ Code = @('$v = New-BlockCryptVolume -Path /srv/vol.bcv -Size 4GiB -TpmProtector -Pcr 7,11', '$r = Add-BlockCryptKeyProtector -Path /srv/vol.bcv -UnlockWithTpm -RecoveryPasswordProtector', 'Backup-BlockCryptKeyProtector -Path /srv/vol.bcv -KeyProtectorId $r.KeyProtectorId -RecoveryPassword (ConvertTo-SecureString $r.RecoveryPassword -AsPlainText -Force) -EscrowPath /srv/escrow')
                   Remarks = 'Creates a volume sealed to PCRs 7 and 11 of the machine''s TPM, adds a recovery password and escrows it.' }
                @{ Code = 'New-BlockCryptVolume -Path ./v.bcv -Size 64MiB -SectorSize 512 -RecoveryPasswordProtector -WhatIf'
                   Remarks = 'Shows what would be created; nothing is written.' }
            )
        }
        'Get-BlockCryptVolume' = @{
            Synopsis    = 'Gets BlockCrypt volumes: layout, protectors, protection and mount status.'
            Description = @(
                'Get-BlockCryptVolume reads a volume''s metadata without any credential and returns a BlockCryptVolume object: id, capacity, sector size, cipher, how many of the 3 metadata copies are valid, key protectors, ProtectionStatus (On or Suspended), and LockStatus/MountPoint (a mount by this session, another PowerShell session or the blockcrypt CLI).'
                'Without -Path it returns the volumes mounted by this session. The metadata read this way is not authenticated (MetadataAuthenticated is False); cmdlets that unlock authenticate it.'
            )
            Parameters  = @{ Path = 'Container file(s); wildcards such as /srv/*.bcv are expanded to the files they match (a file whose name holds [ ] is taken literally when it exists). Without it, the volumes mounted by this PowerShell session.' }
            Examples    = @(
                @{ Code = 'Get-BlockCryptVolume -Path ./data.bcv'; Remarks = 'Shows the volume in the default table view.' }
                @{ Code = 'Get-BlockCryptVolume ./data.bcv | Select-Object -ExpandProperty KeyProtector'; Remarks = 'Lists its key protectors.' }
                @{ Code = 'Get-BlockCryptVolume'; Remarks = 'Lists the volumes this session has mounted.' }
                @{ Code = 'Get-BlockCryptVolume /srv/*.bcv | Where-Object ProtectionStatus -EQ Suspended'; Remarks = 'Finds the volumes whose TPM protection is suspended.' }
            )
        }
        'Remove-BlockCryptVolume' = @{
            Synopsis    = 'Crypto-erases a BlockCrypt volume (destroys every metadata copy).'
            Description = @(
                'Remove-BlockCryptVolume overwrites every metadata copy so that no credential opens the volume again; the data stays as unreadable ciphertext. With -DeleteFile the container file is deleted afterwards. A mounted volume is refused (BlockCrypt.VolumeMounted).'
                'Header backups (blockcrypt header backup) still open the volume: destroy them too. The cmdlet has ConfirmImpact High: it asks for confirmation unless -Confirm:$false.'
            )
            Parameters  = @{ DeleteFile = 'Also delete the container file after erasing it.' }
            Examples    = @(
                @{ Code = 'Remove-BlockCryptVolume -Path ./old.bcv -DeleteFile -Confirm:$false'; Remarks = 'Crypto-erases and deletes the container without asking.' }
                @{ Code = 'Get-BlockCryptVolume ./old.bcv | Remove-BlockCryptVolume -WhatIf'; Remarks = 'Shows what would be erased.' }
            )
        }
        'Add-BlockCryptKeyProtector' = @{
            Synopsis    = 'Adds a key protector to a BlockCrypt volume.'
            Description = @(
                'Add-BlockCryptKeyProtector unlocks the volume with the -Unlock* credentials, then wraps the volume master key under a new protector of the kind chosen by -PasswordProtector, -RecoveryPasswordProtector, -StartupKeyProtector, -TpmProtector or -CustomerKeyProtector, and writes the metadata (every copy, crash-safe).'
                'It returns the new BlockCryptKeyProtector; for a RecoveryPassword protector its RecoveryPassword property shows the new password this one time only.'
            )
            Parameters  = @{}
            Examples    = @(
                @{ Code = @('$r = Add-BlockCryptKeyProtector -Path ./data.bcv -UnlockPassword $pw -RecoveryPasswordProtector', '$r.RecoveryPassword'); Remarks = 'Adds a recovery password and shows it (once).' }
                @{ Code = 'Add-BlockCryptKeyProtector -Path ./data.bcv -UnlockPassword $pw -TpmProtector -Pcr 7 -Pin (Read-Host -AsSecureString PIN)'; Remarks = 'Adds a TPM protector with a PIN, sealed to PCR 7.' }
                @{ Code = 'Add-BlockCryptKeyProtector -Path ./data.bcv -UnlockWithTpm -StartupKeyProtector -StartupKeyPath /media/usb/data.bek'; Remarks = 'Unlocks through the TPM and adds a startup key file.' }
            )
        }
        'Remove-BlockCryptKeyProtector' = @{
            Synopsis    = 'Removes a key protector from a BlockCrypt volume.'
            Description = @(
                'Remove-BlockCryptKeyProtector unlocks the volume (with any protector, the one being removed included) and removes the protector -KeyProtectorId. The last protector is never removed (BlockCrypt.LastProtector). The removed protector''s secret opens nothing afterwards, except through old header backups.'
            )
            Parameters  = @{ KeyProtectorId = 'The id of the protector to remove. Accepts the KeyProtectorId property of BlockCryptKeyProtector objects from the pipeline.' }
            Examples    = @(
                @{ Code = 'Get-BlockCryptKeyProtector ./data.bcv -KeyProtectorType Password | Remove-BlockCryptKeyProtector -UnlockRecoveryPassword $rp -Confirm:$false'; Remarks = 'Removes the Password protectors, unlocking with the recovery password.' }
            )
        }
        'Get-BlockCryptKeyProtector' = @{
            Synopsis    = 'Gets the key protectors of a BlockCrypt volume.'
            Description = @('Get-BlockCryptKeyProtector lists a volume''s key protectors (no credential needed, no secret shown): id, type (Tpm, TpmPin, Password, RecoveryPassword, StartupKey, CustomerKey), PCRs of TPM protectors, creation time and details.')
            Parameters  = @{
                KeyProtectorType = 'Only protectors of this type.'
                KeyProtectorId   = 'Only the protector with this id.'
            }
            Examples    = @(
                @{ Code = 'Get-BlockCryptKeyProtector -Path ./data.bcv'; Remarks = 'Lists every protector.' }
                @{ Code = 'Get-BlockCryptKeyProtector -Path ./data.bcv -KeyProtectorType RecoveryPassword'; Remarks = 'Lists the recovery password protectors.' }
            )
        }
        'Backup-BlockCryptKeyProtector' = @{
            Synopsis    = 'Escrows a recovery password into an escrow store (a directory of JSON records).'
            Description = @(
                'Backup-BlockCryptKeyProtector checks that -RecoveryPassword opens the RecoveryPassword protector -KeyProtectorId (so a mistyped password is never escrowed), then writes or updates the record <EscrowPath>/<VolumeId>.json: mode 0600, in a directory created with mode 0700, replaced atomically (temporary file, fsync, rename).'
                'The record lists every escrowed password with its protector id, creation time and status; entries whose protector is no longer on the volume (after a rotation replaced the recovery password) are marked Superseded with the time. The returned object lists the entries without the passwords.'
            )
            Parameters  = @{
                KeyProtectorId   = 'The id of the RecoveryPassword protector.'
                RecoveryPassword = 'Its 48-digit recovery password, as a SecureString.'
                EscrowPath       = 'The escrow store directory (created with mode 0700 when missing).'
            }
            Examples    = @(
                @{ Code = @('$r = Add-BlockCryptKeyProtector -Path ./data.bcv -UnlockPassword $pw -RecoveryPasswordProtector', '$r | Backup-BlockCryptKeyProtector -RecoveryPassword (ConvertTo-SecureString $r.RecoveryPassword -AsPlainText -Force) -EscrowPath /var/lib/escrow'); Remarks = 'Adds a recovery password and escrows it at once.' }
            )
        }
        'Unlock-BlockCryptVolume' = @{
            Synopsis    = 'Checks a credential against a BlockCrypt volume, or unlocks and mounts it.'
            Description = @(
                'Without -MountPoint, Unlock-BlockCryptVolume only checks that the credentials open the volume: it returns the volume (metadata authenticated, LockStatus Locked) or an error such as BlockCrypt.WrongCredential or BlockCrypt.TpmPcrMismatch.'
                'With -MountPoint it unlocks and mounts the volume like Mount-BlockCryptVolume.'
            )
            Parameters  = @{ MountPoint = 'An existing empty directory to mount the volume''s files at (optional).' }
            Examples    = @(
                @{ Code = 'Unlock-BlockCryptVolume -Path ./data.bcv -UnlockRecoveryPassword (Read-Host -AsSecureString)'; Remarks = 'Checks a recovery password.' }
                @{ Code = 'Unlock-BlockCryptVolume -Path ./data.bcv -MountPoint ./mnt'; Remarks = 'Unlocks through the TPM (no other credential given) and mounts at ./mnt.' }
            )
        }
        'Mount-BlockCryptVolume' = @{
            Synopsis    = 'Unlocks a BlockCrypt volume and serves its files at a directory.'
            Description = @(
                'Mount-BlockCryptVolume unlocks the volume and serves its FAT32 filesystem at -MountPoint (FUSE on Linux, Dokan on Windows) from inside this PowerShell process, on a background thread. The mount lasts until Dismount-BlockCryptVolume or until the PowerShell process exits, which dismounts it cleanly (files flushed, FAT clean bit set, keys zeroed).'
                'A container is mounted once at a time (BlockCrypt.AlreadyMounted); the mount point must be an empty directory (BlockCrypt.BadMountPoint).'
            )
            Parameters  = @{ MountPoint = 'An existing empty directory to mount at.' }
            Examples    = @(
                @{ Code = @('Mount-BlockCryptVolume -Path ./data.bcv -MountPoint ./mnt -UnlockPassword $pw', 'Get-ChildItem ./mnt', 'Dismount-BlockCryptVolume -MountPoint ./mnt'); Remarks = 'Mounts, lists the files, dismounts.' }
                @{ Code = 'Mount-BlockCryptVolume ./data.bcv ./mnt -UnlockStartupKeyPath /media/usb/data.bek -ReadOnly'; Remarks = 'Mounts read-only with a startup key.' }
            )
        }
        'Dismount-BlockCryptVolume' = @{
            Synopsis    = 'Dismounts a mounted BlockCrypt volume.'
            Description = @('Dismount-BlockCryptVolume flushes and unmounts a volume mounted by this session (Mount-BlockCryptVolume) or by the blockcrypt CLI, and waits until the volume is closed and its keys zeroed. A busy mount point (a program has a file open there) is refused unless -Force, which detaches it lazily.')
            Parameters  = @{
                MountPoint = 'The mount point. Accepts the MountPoint property of BlockCryptVolume objects from the pipeline.'
                Path       = 'The container file of a mounted volume (mounted by this session, another PowerShell session or the CLI).'
                Force      = 'Detach a busy mount point lazily: the volume is closed when its last user lets go.'
            }
            Examples    = @(
                @{ Code = 'Dismount-BlockCryptVolume -MountPoint ./mnt'; Remarks = 'Dismounts the volume at ./mnt.' }
                @{ Code = 'Get-BlockCryptVolume | Dismount-BlockCryptVolume'; Remarks = 'Dismounts every volume this session mounted.' }
            )
        }
        'Suspend-BlockCryptVolume' = @{
            Synopsis    = 'Suspends TPM protection of a BlockCrypt volume around an intended boot-chain change.'
            Description = @(
                'Suspend-BlockCryptVolume (like Suspend-BitLocker) unlocks the volume and reseals its TPM protectors without a PCR policy, so they keep unlocking while firmware or boot loader updates change the measured state. The intended PCR set is recorded; ProtectionStatus becomes Suspended.'
                'Run Resume-BlockCryptVolume after the change: it reseals to the recorded PCRs at their new values. While suspended, anyone who can run code on this machine''s TPM can unseal the key.'
            )
            Parameters  = @{}
            Examples    = @(
                @{ Code = @('Suspend-BlockCryptVolume -Path ./data.bcv -UnlockWithTpm', '# ... update the firmware, reboot ...', 'Resume-BlockCryptVolume -Path ./data.bcv -UnlockWithTpm'); Remarks = 'Keeps TPM unlocking working across a firmware update.' }
            )
        }
        'Resume-BlockCryptVolume' = @{
            Synopsis    = 'Resumes TPM protection of a suspended BlockCrypt volume.'
            Description = @('Resume-BlockCryptVolume unlocks the volume and reseals its TPM protectors to the PCR set recorded by Suspend-BlockCryptVolume, at the PCRs'' current values. ProtectionStatus becomes On; a later change of those PCRs makes the TPM refuse again (BlockCrypt.TpmPcrMismatch).')
            Parameters  = @{}
            Examples    = @(
                @{ Code = 'Resume-BlockCryptVolume -Path ./data.bcv -UnlockWithTpm'; Remarks = 'Reseals the TPM protectors to the recorded PCRs.' }
            )
        }
        'Invoke-BlockCryptKeyRotation' = @{
            Synopsis    = 'Rotates the volume master key of a BlockCrypt volume.'
            Description = @(
                'Invoke-BlockCryptKeyRotation makes a new volume master key and re-wraps the volume key and every protector under it (the data is not re-encrypted). The secret of EVERY protector must be given with the -Unlock* parameters; otherwise nothing changes (BlockCrypt.SecretMissing): remove the protectors you cannot unlock first.'
                'To replace a recovery password as well, add a new RecoveryPassword protector, remove the old one and escrow the new one (the escrow store then marks the old one Superseded).'
            )
            Parameters  = @{}
            Examples    = @(
                @{ Code = 'Invoke-BlockCryptKeyRotation -Path ./data.bcv -UnlockPassword $pw -UnlockRecoveryPassword $rp -Confirm:$false'; Remarks = 'Rotates a volume that has a Password and a RecoveryPassword protector.' }
            )
        }
    }
}
