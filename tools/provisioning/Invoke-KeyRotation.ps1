<#
.SYNOPSIS
    Rotates a BlockCrypt volume's master key and replaces its recovery password with a new escrowed one.

.DESCRIPTION
    Invoke-KeyRotation.ps1 makes a new volume master key (VMK) and replaces the volume's escrowed recovery
    password(s), in this order:

      1. checks: the volume's recovery protectors have Active records in the escrow store (-EscrowPath), the
         escrowed passwords open the volume, and a secret is at hand for every protector (rotation needs them all);
      2. (with -RemoveUnescrowedRecoveryProtector) removes recovery protectors whose password is not escrowed;
      3. rotates the VMK (Invoke-BlockCryptKeyRotation: every protector re-wrapped, data not re-encrypted);
      4. adds a new recovery password protector;
      5. escrows it (Backup-BlockCryptKeyProtector checks that it opens the volume before writing the record);
      6. removes the old recovery protector(s);
      7. escrows the new password again, which marks the old records 'Superseded' (they are kept: header backups
         taken before still open with them).

    Crash safety: at every point the volume has at least one recovery protector whose working password is Active
    in the escrow store. Each metadata update is atomic (old or new state), the old password keeps working until
    the new one is escrowed and verified, and the escrow file is replaced atomically. Interrupted between 4 and 5,
    the volume carries an extra recovery protector whose password was never escrowed (and is unknown): the next run
    stops at step 1 and asks for -RemoveUnescrowedRecoveryProtector. Interrupted between 6 and 7, the old record is
    still 'Active' although its protector is gone: the next run (or Backup-BlockCryptKeyProtector) marks it.

    Uses only the BlockCrypt module's cmdlets.

.PARAMETER Path
    The container file.

.PARAMETER EscrowPath
    The escrow store directory holding <VolumeId>.json.

.PARAMETER TpmPin
    The PIN of a TpmPin protector (needed to re-wrap it).

.PARAMETER TpmDevice
    The TPM: /dev/tpmrm0, tbs or swtpm:HOST:PORT. Default: $env:BLOCKCRYPT_TPM, then the platform's.

.PARAMETER UnlockPassword
    Passphrase(s) of Password protectors on the volume, if any.

.PARAMETER UnlockStartupKeyPath
    Startup key file(s) of StartupKey protectors on the volume, if any.

.PARAMETER UnlockPkcs11Module
    PKCS#11 module of a CustomerKey protector's HSM, if the volume has one.

.PARAMETER UnlockTokenLabel
    HSM token label (optional, narrows the CustomerKey protectors tried).

.PARAMETER UnlockKeyLabel
    HSM key label (optional, narrows the CustomerKey protectors tried).

.PARAMETER UnlockPkcs11Pin
    The HSM user PIN.

.PARAMETER RemoveUnescrowedRecoveryProtector
    Remove recovery protectors that have no Active escrow record (nobody knows their password through the store;
    an interrupted earlier run leaves one). Without it such protectors stop the rotation, which needs every secret.

.PARAMETER KdfMemoryKiB
    Argon2id memory for the new recovery protector (testing only; default: calibrated).

.PARAMETER KdfIterations
    Argon2id passes for the new recovery protector (testing only; default: calibrated).

.EXAMPLE
    ./Invoke-KeyRotation.ps1 -Path /srv/data.bcv -EscrowPath /var/lib/blockcrypt/escrow -Confirm:$false

    Rotates a TPM + recovery-password volume made by New-ProvisionedVolume.ps1; returns the result object.

.EXAMPLE
    ./Invoke-KeyRotation.ps1 -Path /srv/data.bcv -EscrowPath /var/lib/blockcrypt/escrow -WhatIf

    Runs the checks and lists the steps it would take; changes nothing.

.EXAMPLE
    Get-ChildItem /srv/*.bcv | ./Invoke-KeyRotation.ps1 -EscrowPath /var/lib/blockcrypt/escrow -TpmPin $pin -Confirm:$false

    Rotates several volumes (files bind to -Path through their PSPath property).

.OUTPUTS
    BlockCrypt.KeyRotationResult: Path, VolumeId, Status (Rotated | WhatIf), Actions, NewRecoveryProtectorId,
    SupersededProtectorId, RemovedUnescrowedProtectorId, EscrowFile, RotatedUtc.

.NOTES
    ConfirmImpact is High (a protector is removed): pass -Confirm:$false in scheduled runs. Errors are ErrorRecords
    with ErrorIds 'BlockCrypt.Provisioning.<Reason>' or the module's 'BlockCrypt.<Reason>'.
#>
#Requires -Version 7.5
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
[OutputType('BlockCrypt.KeyRotationResult')]
param(
    [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
    [Alias('PSPath')]
    [ValidateNotNullOrEmpty()]
    [string] $Path,

    [Parameter(Mandatory)]
    [ValidateNotNullOrEmpty()]
    [string] $EscrowPath,

    [securestring] $TpmPin,

    [ValidateNotNullOrEmpty()]
    [string] $TpmDevice,

    [securestring[]] $UnlockPassword,

    [ValidateNotNullOrEmpty()]
    [string[]] $UnlockStartupKeyPath,

    [ValidateNotNullOrEmpty()]
    [string] $UnlockPkcs11Module,

    [string] $UnlockTokenLabel,

    [string] $UnlockKeyLabel,

    [securestring] $UnlockPkcs11Pin,

    [switch] $RemoveUnescrowedRecoveryProtector,

    [ValidateRange(8, 4194304)]
    [Nullable[int]] $KdfMemoryKiB,

    [ValidateRange(1, 64)]
    [Nullable[int]] $KdfIterations
)

begin {
    $ErrorActionPreference = 'Stop'
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'ProvisioningHelpers.ps1')
    try { Import-BlockCryptForProvisioning }
    catch { $PSCmdlet.ThrowTerminatingError((New-ProvisioningError -Reason 'ModuleNotFound' -Category NotInstalled -Message $_.Exception.Message)) }
}

process {
    $container = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    $escrowDir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($EscrowPath)
    $kdf = Get-KdfParameters -KdfMemoryKiB $KdfMemoryKiB -KdfIterations $KdfIterations
    $actions = [System.Collections.Generic.List[string]]::new()
    $secrets = [System.Collections.Generic.List[securestring]]::new()

    try {
        # --- 1. Checks (read-only) ---------------------------------------------------------------------------
        $volume = Get-BlockCryptVolume -Path $container -ErrorAction Stop
        $protectors = @($volume.KeyProtector)
        $escrow = Read-EscrowRecord -EscrowPath $escrowDir -VolumeId $volume.VolumeId
        $recovery = @($protectors | Where-Object KeyProtectorType -EQ 'RecoveryPassword')
        $old = @(if ($escrow) {
                $escrow.Records | Where-Object { $_.Status -eq 'Active' -and (@(Get-Ids $recovery) -contains $_.KeyProtectorId) }
            })
        if ($old.Count -eq 0) {
            throw (New-ProvisioningError -Reason 'NoEscrowedRecovery' -Category ObjectNotFound -Target $container `
                    -Message "Volume $($volume.VolumeId) has no recovery protector with an Active record in '$escrowDir'; escrow one first (New-ProvisionedVolume.ps1 repairs this).")
        }
        $unescrowed = @($recovery | Where-Object { @(Get-Ids $old) -notcontains $_.KeyProtectorId })
        if ($unescrowed.Count -gt 0 -and -not $RemoveUnescrowedRecoveryProtector) {
            throw (New-ProvisioningError -Reason 'UnescrowedRecoveryProtector' -Category InvalidOperation -Target $container `
                    -Message ("Recovery protector(s) $(@(Get-Ids $unescrowed) -join ', ') have no Active escrow record, so rotation cannot re-wrap them " +
                        "(it needs every protector's secret). Rerun with -RemoveUnescrowedRecoveryProtector to remove them, or remove them yourself; nothing was changed."))
        }
        $types = @(Get-Ids $protectors KeyProtectorType)
        $missing = @(
            if ($types -contains 'TpmPin' -and -not $TpmPin) { 'TpmPin (-TpmPin)' }
            if ($types -contains 'Password' -and -not $UnlockPassword) { 'Password (-UnlockPassword)' }
            if ($types -contains 'StartupKey' -and -not $UnlockStartupKeyPath) { 'StartupKey (-UnlockStartupKeyPath)' }
            if ($types -contains 'CustomerKey' -and -not ($UnlockPkcs11Module -and $UnlockPkcs11Pin)) { 'CustomerKey (-UnlockPkcs11Module, -UnlockPkcs11Pin)' }
        )
        if ($missing.Count -gt 0) {
            throw (New-ProvisioningError -Reason 'SecretMissing' -Category InvalidArgument -Target $container `
                    -Message "Rotation needs the secret of every protector; missing for: $($missing -join ', '). Nothing was changed.")
        }
        foreach ($r in $old) { $secrets.Add((ConvertTo-ProvisioningSecureString $r.RecoveryPassword)) }
        foreach ($i in 0..($old.Count - 1)) {
            # The escrowed passwords must work before anything changes (a wrong record is an ErrorRecord here).
            $null = Unlock-BlockCryptVolume -Path $container -UnlockRecoveryPassword $secrets[$i] -ErrorAction Stop
        }

        $plan = @(
            if ($unescrowed.Count -gt 0) { "remove unescrowed recovery protector(s) $(@(Get-Ids $unescrowed) -join ', ')" }
            'rotate the volume master key'
            'add a new recovery password and escrow it'
            "remove the old recovery protector(s) $(@(Get-Ids $old) -join ', ') and mark their escrow records Superseded"
        )
        if (-not $PSCmdlet.ShouldProcess($container, ($plan -join '; '))) {
            return [pscustomobject]@{
                PSTypeName                   = 'BlockCrypt.KeyRotationResult'
                Path                         = $container
                VolumeId                     = $volume.VolumeId
                Status                       = 'WhatIf'
                Actions                      = [string[]] $plan
                NewRecoveryProtectorId       = $null
                SupersededProtectorId        = [guid[]] @(Get-Ids $old)
                RemovedUnescrowedProtectorId = [guid[]] @(Get-Ids $unescrowed)
                EscrowFile                   = $escrow.File
                RotatedUtc                   = $null
            }
        }

        # The unlock splat for rotation: every secret we have.
        $all = @{ UnlockRecoveryPassword = [securestring[]] $secrets.ToArray() }
        if ($types -contains 'Tpm' -or $types -contains 'TpmPin') { $all.UnlockWithTpm = $true }
        if ($TpmPin) { $all.UnlockPin = $TpmPin }
        if ($TpmDevice) { $all.TpmDevice = $TpmDevice }
        if ($UnlockPassword) { $all.UnlockPassword = $UnlockPassword }
        if ($UnlockStartupKeyPath) { $all.UnlockStartupKeyPath = $UnlockStartupKeyPath }
        if ($UnlockPkcs11Module) { $all.UnlockPkcs11Module = $UnlockPkcs11Module; $all.UnlockPkcs11Pin = $UnlockPkcs11Pin }
        if ($UnlockTokenLabel) { $all.UnlockTokenLabel = $UnlockTokenLabel }
        if ($UnlockKeyLabel) { $all.UnlockKeyLabel = $UnlockKeyLabel }
        $byOld = @{ UnlockRecoveryPassword = $secrets[0] }

        # --- 2. Unescrowed recovery protectors (only with the switch) -------------------------------------------
        foreach ($p in $unescrowed) {
            Remove-BlockCryptKeyProtector -Path $container -KeyProtectorId $p.KeyProtectorId @byOld -Confirm:$false -ErrorAction Stop
            $actions.Add("RemovedUnescrowedRecoveryProtector $($p.KeyProtectorId)")
        }

        # --- 3. New VMK ------------------------------------------------------------------------------------------
        Invoke-BlockCryptKeyRotation -Path $container @all -Confirm:$false -ErrorAction Stop | Out-Null
        $actions.Add('RotatedVolumeMasterKey')

        # --- 4-5. New recovery password, escrowed (Backup verifies it opens the volume) ---------------------------
        $new = Add-BlockCryptKeyProtector -Path $container @byOld -RecoveryPasswordProtector @kdf -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        $actions.Add("AddedRecoveryPassword $($new.KeyProtectorId)")
        $newSecret = ConvertTo-ProvisioningSecureString $new.RecoveryPassword
        $new.RecoveryPassword = $null
        $secrets.Add($newSecret)
        $null = Backup-BlockCryptKeyProtector -Path $container -KeyProtectorId $new.KeyProtectorId -RecoveryPassword $newSecret `
            -EscrowPath $escrowDir -Confirm:$false -ErrorAction Stop
        $actions.Add("EscrowedRecoveryPassword $($new.KeyProtectorId)")

        # --- 6. Old recovery protectors go --------------------------------------------------------------------------
        foreach ($r in $old) {
            Remove-BlockCryptKeyProtector -Path $container -KeyProtectorId $r.KeyProtectorId -UnlockRecoveryPassword $newSecret `
                -Confirm:$false -ErrorAction Stop
            $actions.Add("RemovedRecoveryProtector $($r.KeyProtectorId)")
        }

        # --- 7. Their escrow records become Superseded (Backup marks records whose protector is gone) ---------------
        $record = Backup-BlockCryptKeyProtector -Path $container -KeyProtectorId $new.KeyProtectorId -RecoveryPassword $newSecret `
            -EscrowPath $escrowDir -Confirm:$false -ErrorAction Stop
        $actions.Add('MarkedOldEscrowRecordsSuperseded')

        [pscustomobject]@{
            PSTypeName                   = 'BlockCrypt.KeyRotationResult'
            Path                         = $container
            VolumeId                     = $volume.VolumeId
            Status                       = 'Rotated'
            Actions                      = [string[]] $actions
            NewRecoveryProtectorId       = $new.KeyProtectorId
            SupersededProtectorId        = [guid[]] @(Get-Ids $old)
            RemovedUnescrowedProtectorId = [guid[]] @(Get-Ids $unescrowed)
            EscrowFile                   = $record.EscrowFile
            RotatedUtc                   = [DateTime]::UtcNow
        }
    }
    catch {
        $record = $_
        if ($actions.Count -gt 0) {
            $text = if ($record.ErrorDetails -and $record.ErrorDetails.Message) { $record.ErrorDetails.Message } else { $record.Exception.Message }
            $action = if ($record.ErrorDetails) { $record.ErrorDetails.RecommendedAction } else { $null }
            $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new(
                "$text (done before the failure: $($actions -join ', '); an escrowed recovery password still opens the volume; run the script again.)")
            $record.ErrorDetails.RecommendedAction = $action
        }
        $PSCmdlet.ThrowTerminatingError($record)
    }
    finally {
        foreach ($s in $secrets) { $s.Dispose() }
    }
}
