<#
.SYNOPSIS
    Creates (or checks and completes) a BlockCrypt volume protected by the TPM and an escrowed recovery password,
    and mounts it.

.DESCRIPTION
    New-ProvisionedVolume.ps1 brings a container file to the provisioned state:

      1. the volume exists (New-BlockCryptVolume, FAT32 by default) with a TPM protector sealed to -Pcr (optionally
         with -TpmPin);
      2. it has a recovery password protector whose password is escrowed (Backup-BlockCryptKeyProtector) in
         -EscrowPath: a directory of JSON records, <VolumeId>.json, mode 0600, in a 0700 directory;
      3. it is mounted at -MountPoint (when given; the mount lives in this PowerShell process, see NOTES).

    The steps run in that order so that an interruption can always be completed by running the script again: a
    volume with only its TPM protector gets its recovery password on the next run (unlocking through the TPM); a
    volume whose TPM protector is missing gets one (unlocking with the escrowed recovery password).

    Idempotent: on a provisioned volume it changes nothing and reports Status 'AlreadyProvisioned'. When something
    is missing it does only that part and reports Status 'Repaired' with the actions taken: a missing TPM protector,
    a recovery password without an Active escrow record (a new one is added and escrowed: the password of a
    protector that was never escrowed is unknown), an escrow file readable by others (set back to 0600), or the mount.
    It never changes what exists: a different PCR set, a TPM protector without the requested PIN, suspended TPM
    protection, recovery protectors that are not escrowed, or a mount elsewhere are reported as warnings, not
    altered. A file that is
    not a BlockCrypt volume, or a volume of another size, is refused.

    Uses only the BlockCrypt module's cmdlets (imported from PSModulePath or the repository build when not loaded).

.PARAMETER Path
    The container file to create or check.

.PARAMETER Size
    Data area size: bytes, or a number with K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB (binary units), e.g. 1GiB.
    FAT32 needs at least about 257 MiB with 4096-byte sectors (33 MiB with 512-byte sectors).

.PARAMETER EscrowPath
    The escrow store directory (created 0700 when missing).

.PARAMETER MountPoint
    Where to mount the volume (created when missing; must be empty). Without it the volume is not mounted.

.PARAMETER Pcr
    PCRs (sha256 bank, 0-23) the TPM protector is sealed to. Default 7.

.PARAMETER TpmPin
    A PIN for the TPM protector (TpmPin kind), also needed to unlock through it.

.PARAMETER TpmDevice
    The TPM: /dev/tpmrm0, tbs or swtpm:HOST:PORT. Default: $env:BLOCKCRYPT_TPM, then the platform's.

.PARAMETER SectorSize
    4096 (default) or 512.

.PARAMETER FileSystem
    Fat32 (default) or None (a bare encrypted block device; nothing to mount).

.PARAMETER Label
    FAT32 volume label (1-11 characters).

.PARAMETER KdfMemoryKiB
    Argon2id memory for new recovery-password and PIN protectors (testing only; default: calibrated).

.PARAMETER KdfIterations
    Argon2id passes for new recovery-password and PIN protectors (testing only; default: calibrated).

.EXAMPLE
    ./New-ProvisionedVolume.ps1 -Path /srv/data.bcv -Size 1GiB -EscrowPath /var/lib/blockcrypt/escrow -MountPoint /mnt/data

    Creates a 1 GiB FAT32 volume sealed to PCR 7, escrows its recovery password, mounts it at /mnt/data and
    returns the report object (Status Provisioned).

.EXAMPLE
    ./New-ProvisionedVolume.ps1 -Path /srv/data.bcv -Size 1GiB -EscrowPath /var/lib/blockcrypt/escrow -Pcr 7,11 -WhatIf

    Shows what would be done (Status WhatIf, Actions listing the steps) without creating or changing anything.

.EXAMPLE
    ./New-ProvisionedVolume.ps1 -Path /srv/data.bcv -Size 1GiB -EscrowPath /var/lib/blockcrypt/escrow |
        Select-Object Status, Actions, Warnings

    Run again on a provisioned volume: Status AlreadyProvisioned, no actions.

.EXAMPLE
    $pin = Read-Host -AsSecureString 'TPM PIN'
    ./New-ProvisionedVolume.ps1 -Path D:\vol.bcv -Size 512MiB -EscrowPath \\escrow\blockcrypt -TpmPin $pin -TpmDevice tbs

    A TPM+PIN protector on Windows (mounting on Windows is not supported by this version's mount host).

.OUTPUTS
    BlockCrypt.ProvisionedVolume: Path, VolumeId, CapacityBytes, Status (Provisioned | Repaired |
    AlreadyProvisioned | WhatIf), Changed, Actions, Warnings, TpmProtectorId, Pcr, RecoveryProtectorId, EscrowFile,
    MountPoint, LockStatus, Message.

.NOTES
    The mount is made by Mount-BlockCryptVolume inside the PowerShell process that runs this script and ends with
    it: run the script from the long-lived session or service that should keep the volume mounted, or omit
    -MountPoint. Errors are ErrorRecords with ErrorIds 'BlockCrypt.Provisioning.<Reason>' or the module's
    'BlockCrypt.<Reason>'.
#>
#Requires -Version 7.5
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
[OutputType('BlockCrypt.ProvisionedVolume')]
param(
    [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
    [ValidateNotNullOrEmpty()]
    [string] $Path,

    [Parameter(Mandatory, Position = 1)]
    [ValidatePattern('^\s*\d+\s*([KMGTkmgt]([iI]?[bB])?|[bB])?\s*$')]
    [string] $Size,

    [Parameter(Mandatory)]
    [ValidateNotNullOrEmpty()]
    [string] $EscrowPath,

    [ValidateNotNullOrEmpty()]
    [string] $MountPoint,

    [ValidateRange(0, 23)]
    [ValidateCount(1, 24)]
    [int[]] $Pcr = @(7),

    [securestring] $TpmPin,

    [ValidateNotNullOrEmpty()]
    [string] $TpmDevice,

    [ValidateSet(512, 4096)]
    [int] $SectorSize = 4096,

    [ValidateSet('Fat32', 'None')]
    [string] $FileSystem = 'Fat32',

    [ValidateLength(1, 11)]
    [string] $Label,

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
    $target = if ($MountPoint) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($MountPoint) } else { $null }
    $wantedBytes = ConvertTo-ProvisioningByteCount -Size $Size
    $wantedPcr = @($Pcr | Sort-Object -Unique)
    $tpmUnlock = Get-TpmUnlockParameters -Pin $TpmPin -TpmDevice $TpmDevice
    $kdf = Get-KdfParameters -KdfMemoryKiB $KdfMemoryKiB -KdfIterations $KdfIterations

    $actions = [System.Collections.Generic.List[string]]::new()
    $warnings = [System.Collections.Generic.List[string]]::new()
    $whatIf = $false          # set when a step was declined: later steps that need it are only planned
    $created = $false
    $volume = $null

    function Add-Warning([string] $Text) { $warnings.Add($Text); Write-Warning $Text }

    try {
        # --- 1. The volume and its TPM protector --------------------------------------------------------------
        if (Test-Path -LiteralPath $container -PathType Container) {
            throw (New-ProvisioningError -Reason 'PathIsDirectory' -Category InvalidArgument -Target $container `
                    -Message "'$container' is a directory; give the path of a container file.")
        }
        if (Test-Path -LiteralPath $container) {
            try { $volume = Get-BlockCryptVolume -Path $container -ErrorAction Stop }
            catch {
                throw (New-ProvisioningError -Reason 'NotAVolume' -Category InvalidData -Target $container `
                        -Message "'$container' exists but is not a readable BlockCrypt volume ($($_.Exception.Message)); it was not touched.")
            }
            if ($null -ne $wantedBytes -and $volume.CapacityBytes -ne $wantedBytes) {
                throw (New-ProvisioningError -Reason 'SizeMismatch' -Category InvalidArgument -Target $container `
                        -Message "'$container' is already a volume of $($volume.CapacityBytes) bytes, not $wantedBytes; it was not touched.")
            }
            Write-Verbose "Found volume $($volume.VolumeId) at $container."
        }
        elseif ($PSCmdlet.ShouldProcess($container, "Create a $Size volume ($FileSystem) with a TPM protector sealed to PCRs $($wantedPcr -join ',')")) {
            $parent = Split-Path -Parent $container
            if ($parent -and -not (Test-Path -LiteralPath $parent -PathType Container)) {
                throw (New-ProvisioningError -Reason 'FolderNotFound' -Category ObjectNotFound -Target $parent `
                        -Message "Folder '$parent' does not exist.")
            }
            $newArgs = @{ Path = $container; Size = $Size; SectorSize = $SectorSize; FileSystem = $FileSystem; TpmProtector = $true; Pcr = $wantedPcr }
            if ($Label) { $newArgs.Label = $Label }
            if ($TpmPin) { $newArgs.Pin = $TpmPin }
            if ($TpmDevice) { $newArgs.TpmDevice = $TpmDevice }
            $volume = New-BlockCryptVolume @newArgs @kdf -Confirm:$false -ErrorAction Stop
            $volume = Get-BlockCryptVolume -Path $container -ErrorAction Stop
            $created = $true
            $actions.Add('CreatedVolume')
            $actions.Add('AddedTpmProtector')
        }
        else {
            $whatIf = $true
            $actions.AddRange([string[]] @('CreateVolume', 'AddTpmProtector', 'AddRecoveryPassword', 'EscrowRecoveryPassword'))
            if ($target -and $FileSystem -eq 'Fat32') { $actions.Add('Mount') }
        }

        if ($volume) {
            $protectors = @($volume.KeyProtector)
            $escrow = Read-EscrowRecord -EscrowPath $escrowDir -VolumeId $volume.VolumeId
            $recoveryIds = @($protectors | Where-Object KeyProtectorType -EQ 'RecoveryPassword' | ForEach-Object { $_.KeyProtectorId })
            $escrowed = @(if ($escrow) {
                    $escrow.Records | Where-Object { $_.Status -eq 'Active' -and $recoveryIds -contains $_.KeyProtectorId }
                })

            $tpm = @($protectors | Where-Object KeyProtectorType -In 'Tpm', 'TpmPin')
            if ($tpm.Count -eq 0) {
                if ($escrowed.Count -eq 0) {
                    throw (New-ProvisioningError -Reason 'CannotUnlock' -Category AuthenticationError -Target $container `
                            -Message "Volume $($volume.VolumeId) has no TPM protector and no escrowed recovery password in '$escrowDir': the script cannot unlock it to repair it.")
                }
                if ($PSCmdlet.ShouldProcess($container, "Add a TPM protector sealed to PCRs $($wantedPcr -join ',') (unlocking with the escrowed recovery password)")) {
                    $addArgs = @{ Path = $container; UnlockRecoveryPassword = (ConvertTo-ProvisioningSecureString $escrowed[0].RecoveryPassword); TpmProtector = $true; Pcr = $wantedPcr }
                    if ($TpmPin) { $addArgs.Pin = $TpmPin }
                    if ($TpmDevice) { $addArgs.TpmDevice = $TpmDevice }
                    $null = Add-BlockCryptKeyProtector @addArgs @kdf -Confirm:$false -ErrorAction Stop
                    $actions.Add('AddedTpmProtector')
                }
                else { $whatIf = $true; $actions.Add('AddTpmProtector') }
            }
            else {
                $first = $tpm[0]
                $havePcr = @($first.Pcr | Sort-Object -Unique)
                if ($PSBoundParameters.ContainsKey('Pcr') -and (($havePcr -join ',') -ne ($wantedPcr -join ','))) {
                    Add-Warning "TPM protector $($first.KeyProtectorId) is sealed to PCRs $($havePcr -join ','), not $($wantedPcr -join ','); left as is ('blockcrypt protector reseal --pcrs' changes it)."
                }
                if ($volume.ProtectionStatus -eq 'Suspended') {
                    Add-Warning "TPM protection is suspended (the TPM protectors ignore the PCRs); left as is: run Resume-BlockCryptVolume once the intended change is done."
                }
                if ($TpmPin -and -not ($tpm | Where-Object KeyProtectorType -EQ 'TpmPin')) {
                    Add-Warning "The TPM protector has no PIN; left as is (add a TpmPin protector and remove the old one to change it)."
                }
            }

            # --- 2. An escrowed recovery password -------------------------------------------------------------
            $escrowFile = Get-EscrowFile -EscrowPath $escrowDir -VolumeId $volume.VolumeId
            if ($escrowed.Count -eq 0) {
                if ($whatIf -and -not $created -and $tpm.Count -eq 0) {
                    $actions.AddRange([string[]] @('AddRecoveryPassword', 'EscrowRecoveryPassword'))
                }
                elseif ($PSCmdlet.ShouldProcess($container, "Add a recovery password protector and escrow it in $escrowDir")) {
                    $new = Add-BlockCryptKeyProtector -Path $container @tpmUnlock -RecoveryPasswordProtector @kdf -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
                    $actions.Add('AddedRecoveryPassword')
                    $secret = ConvertTo-ProvisioningSecureString $new.RecoveryPassword
                    $new.RecoveryPassword = $null
                    $null = Backup-BlockCryptKeyProtector -Path $container -KeyProtectorId $new.KeyProtectorId `
                        -RecoveryPassword $secret -EscrowPath $escrowDir -Confirm:$false -ErrorAction Stop
                    $secret.Dispose()
                    $actions.Add('EscrowedRecoveryPassword')
                }
                else { $whatIf = $true; $actions.AddRange([string[]] @('AddRecoveryPassword', 'EscrowRecoveryPassword')) }
            }
            elseif (-not $IsWindows) {
                $mode = Get-EscrowFileMode -File $escrowFile
                if ($mode -ne '600') {
                    if ($PSCmdlet.ShouldProcess($escrowFile, "Restrict the escrow file to its owner (mode $mode -> 600)")) {
                        [System.IO.File]::SetUnixFileMode($escrowFile, [System.IO.UnixFileMode] 'UserRead, UserWrite')
                        $actions.Add('RestrictedEscrowFile')
                    }
                    else { $whatIf = $true; $actions.Add('RestrictEscrowFile') }
                }
            }

            $volume = Get-BlockCryptVolume -Path $container -ErrorAction Stop
            $escrow = Read-EscrowRecord -EscrowPath $escrowDir -VolumeId $volume.VolumeId
            $recoveryIds = @($volume.KeyProtector | Where-Object KeyProtectorType -EQ 'RecoveryPassword' | ForEach-Object { $_.KeyProtectorId })
            $activeIds = @(if ($escrow) { $escrow.Records | Where-Object Status -EQ 'Active' | ForEach-Object { $_.KeyProtectorId } })
            $unescrowed = @($recoveryIds | Where-Object { $activeIds -notcontains $_ })
            foreach ($id in $unescrowed) {
                Add-Warning "Recovery protector $id has no Active escrow record: its password is not in the escrow store. Remove it (Remove-BlockCryptKeyProtector) unless it is kept elsewhere."
            }

            # --- 3. The mount ---------------------------------------------------------------------------------
            if ($target -and $FileSystem -eq 'None') { Add-Warning "-FileSystem None: a bare block device has no files to mount; -MountPoint ignored." }
            if ($target -and $FileSystem -eq 'Fat32') {
                if ($volume.LockStatus -eq 'Mounted') {
                    if ($volume.MountPoint -ne $target.TrimEnd('/', '\')) {
                        Add-Warning "The volume is already mounted at $($volume.MountPoint), not $target; left as is."
                    }
                }
                elseif (Test-BlockCryptMountAt -MountPoint $target) {
                    Write-Verbose "$target is already a BlockCrypt mount (made outside this session)."
                }
                elseif ($PSCmdlet.ShouldProcess($container, "Mount at $target (unlocking through the TPM)")) {
                    if (-not (Test-Path -LiteralPath $target)) {
                        $null = New-Item -ItemType Directory -Path $target -Force
                        $actions.Add('CreatedMountPoint')
                    }
                    $volume = Mount-BlockCryptVolume -Path $container -MountPoint $target @tpmUnlock -Confirm:$false -ErrorAction Stop
                    $actions.Add('Mounted')
                }
                else { $whatIf = $true; $actions.Add('Mount') }
            }
        }

        $status = if ($whatIf) { 'WhatIf' } elseif ($created) { 'Provisioned' } elseif ($actions.Count -gt 0) { 'Repaired' } else { 'AlreadyProvisioned' }
        $changed = -not $whatIf -and $actions.Count -gt 0
        $message = switch ($status) {
            'AlreadyProvisioned' { "Already provisioned: nothing changed." }
            'Provisioned' { "Provisioned: $($actions -join ', ')." }
            'Repaired' { "Was partly provisioned; did: $($actions -join ', ')." }
            'WhatIf' { "WhatIf: nothing changed; would do: $($actions -join ', ')." }
        }
        Write-Verbose $message

        $escrow = if ($volume) { Read-EscrowRecord -EscrowPath $escrowDir -VolumeId $volume.VolumeId } else { $null }
        $live = if ($volume) { @($volume.KeyProtector) } else { @() }
        $tpmNow = @($live | Where-Object KeyProtectorType -In 'Tpm', 'TpmPin') | Select-Object -First 1
        $activeRecovery = @(if ($escrow) {
                $escrow.Records | Where-Object { $_.Status -eq 'Active' -and (@(Get-Ids $live) -contains $_.KeyProtectorId) }
            }) | Select-Object -Last 1
        [pscustomobject]@{
            PSTypeName          = 'BlockCrypt.ProvisionedVolume'
            Path                = $container
            VolumeId            = if ($volume) { $volume.VolumeId } else { $null }
            CapacityBytes       = if ($volume) { $volume.CapacityBytes } else { $wantedBytes }
            Status              = $status
            Changed             = $changed
            Actions             = [string[]] $actions
            Warnings            = [string[]] $warnings
            TpmProtectorId      = if ($tpmNow) { $tpmNow.KeyProtectorId } else { $null }
            Pcr                 = if ($tpmNow) { [int[]] $tpmNow.Pcr } else { $null }
            RecoveryProtectorId = if ($activeRecovery) { $activeRecovery.KeyProtectorId } else { $null }
            EscrowFile          = if ($escrow) { $escrow.File } else { $null }
            MountPoint          = if ($volume) { $volume.MountPoint } else { $null }
            LockStatus          = if ($volume) { $volume.LockStatus } else { $null }
            Message             = $message
        }
    }
    catch {
        $record = $_
        if ($actions.Count -gt 0 -and -not $whatIf) {
            $text = if ($record.ErrorDetails -and $record.ErrorDetails.Message) { $record.ErrorDetails.Message } else { $record.Exception.Message }
            $action = if ($record.ErrorDetails) { $record.ErrorDetails.RecommendedAction } else { $null }
            $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new(
                "$text (done before the failure: $($actions -join ', '); run the script again to complete.)")
            $record.ErrorDetails.RecommendedAction = $action
        }
        $PSCmdlet.ThrowTerminatingError($record)
    }
}
