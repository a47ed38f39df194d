<#
.SYNOPSIS
    Checks a BlockCrypt volume: metadata copies, protectors (does the TPM still unseal?), escrow, filesystem.

.DESCRIPTION
    Test-VolumeHealth.ps1 returns one health object per volume with an overall Healthy flag and a list of findings.
    Healthy is $false when any finding has Severity 'Error'. Checks:

      Metadata     all three metadata copies valid (a damaged or stale copy is an error: the next writable unlock
                   repairs it, a header restore if none is left); the volume readable at all.
      Protection   ProtectionStatus 'On' (a suspended volume's TPM protectors ignore the PCRs: an error).
      Protectors   at least one RecoveryPassword protector; the TPM protectors still unseal with the current PCR
                   values (Unlock-BlockCryptVolume -UnlockWithTpm, read-only): PcrMismatch, a wrong or missing PIN,
                   a missing or different TPM are errors. A TpmPin protector is only tested when -TpmPin is given.
      Escrow       (with -EscrowPath) every recovery protector has an Active escrow record, the escrow file is mode
                   0600, the escrowed passwords open the volume; Active records of removed protectors are warnings.
      FileSystem   with -ImagePath: fsck.fat -n on that plain image (e.g. from 'blockcrypt export-plain'); any
                   output beyond the summary, or a non-zero exit, is an error. A mounted volume (by this session,
                   another PowerShell process or the CLI) is walked through its mount point (every directory listed; with -ReadFiles every file read);
                   with -TemporaryMountPoint an unmounted volume is mounted read-only there through the TPM, walked
                   and dismounted. Otherwise the filesystem is reported NotChecked.

    The checks that unlock (TPM, escrowed passwords, temporary mount) run through ShouldProcess: with -WhatIf they
    are skipped and reported as such, and nothing is touched (a wrong TPM PIN would count against the TPM's
    dictionary-attack lockout). Every unlock is read-only: the check never repairs or writes the container.

    Uses only the BlockCrypt module's cmdlets (and fsck.fat for images).

.PARAMETER Path
    The container file(s); also from the pipeline (Path property of volume objects, or files).

.PARAMETER EscrowPath
    The escrow store directory to check the recovery passwords against.

.PARAMETER TpmPin
    The PIN of a TpmPin protector, to test it.

.PARAMETER TpmDevice
    The TPM: /dev/tpmrm0, tbs or swtpm:HOST:PORT. Default: $env:BLOCKCRYPT_TPM, then the platform's.

.PARAMETER ImagePath
    A plain (decrypted) FAT image of the volume's data area to check with fsck.fat -n.

.PARAMETER TemporaryMountPoint
    An empty directory where an unmounted volume is mounted read-only for the filesystem walk (created when missing).

.PARAMETER ReadFiles
    Read every file fully during the walk (slower; finds unreadable clusters).

.EXAMPLE
    ./Test-VolumeHealth.ps1 -Path /srv/data.bcv -EscrowPath /var/lib/blockcrypt/escrow

    Healthy, MetadataCopiesValid, TpmStatus, RecoveryPasswordEscrowed, FileSystemStatus and Findings of one volume.

.EXAMPLE
    ./Test-VolumeHealth.ps1 -Path /srv/data.bcv -TemporaryMountPoint /run/bc-check -ReadFiles |
        Select-Object -ExpandProperty Findings

    Also mounts the volume read-only, reads every file, and lists the findings.

.EXAMPLE
    blockcrypt export-plain /srv/data.bcv /tmp/data.img --tpm; ./Test-VolumeHealth.ps1 -Path /srv/data.bcv -ImagePath /tmp/data.img

    Runs fsck.fat -n on an exported plain image (delete it afterwards: it is the decrypted data).

.EXAMPLE
    Get-ChildItem /srv/*.bcv | ./Test-VolumeHealth.ps1 -EscrowPath /var/lib/blockcrypt/escrow | Where-Object { -not $_.Healthy }

    The unhealthy volumes among several.

.OUTPUTS
    BlockCrypt.VolumeHealth: Path, VolumeId, Healthy, MetadataCopiesValid, ProtectionStatus, LockStatus, TpmStatus,
    RecoveryPasswordEscrowed, FileSystemStatus, Protectors, Findings (Severity, Check, Message), CheckedUtc.
#>
#Requires -Version 7.5
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
[OutputType('BlockCrypt.VolumeHealth')]
param(
    [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
    [Alias('PSPath')]
    [ValidateNotNullOrEmpty()]
    [string] $Path,

    [ValidateNotNullOrEmpty()]
    [string] $EscrowPath,

    [securestring] $TpmPin,

    [ValidateNotNullOrEmpty()]
    [string] $TpmDevice,

    [ValidateNotNullOrEmpty()]
    [string] $ImagePath,

    [ValidateNotNullOrEmpty()]
    [string] $TemporaryMountPoint,

    [switch] $ReadFiles
)

begin {
    $ErrorActionPreference = 'Stop'
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'ProvisioningHelpers.ps1')
    try { Import-BlockCryptForProvisioning }
    catch { $PSCmdlet.ThrowTerminatingError((New-ProvisioningError -Reason 'ModuleNotFound' -Category NotInstalled -Message $_.Exception.Message)) }

    function Get-ShortErrorId([System.Management.Automation.ErrorRecord] $Record) {
        return ($Record.FullyQualifiedErrorId -split ',')[0]
    }

    function Invoke-FileSystemWalk([string] $Root, [bool] $Read) {
        # Lists every directory under $Root (and reads every file with $Read); returns the problems found.
        $problems = [System.Collections.Generic.List[string]]::new()
        $entries = 0
        $walkErrors = @()
        $items = @(Get-ChildItem -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable walkErrors)
        foreach ($e in $walkErrors) { $problems.Add("listing: $($e.Exception.Message)") }
        $buffer = [byte[]]::new(1MB)
        foreach ($item in $items) {
            $entries++
            if (-not $Read -or $item.PSIsContainer) { continue }
            try {
                $stream = [System.IO.File]::OpenRead($item.FullName)
                try {
                    $total = 0L
                    while (($n = $stream.Read($buffer, 0, $buffer.Length)) -gt 0) { $total += $n }
                    if ($total -ne $item.Length) { $problems.Add("$($item.FullName): read $total of $($item.Length) bytes") }
                }
                finally { $stream.Dispose() }
            }
            catch { $problems.Add("$($item.FullName): $($_.Exception.Message)") }
        }
        return [pscustomobject]@{ Entries = $entries; Problems = [string[]] $problems }
    }
}

process {
    $container = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    $findings = [System.Collections.Generic.List[object]]::new()
    function Add-Finding([string] $Severity, [string] $Check, [string] $Message) {
        $findings.Add([pscustomobject]@{ PSTypeName = 'BlockCrypt.HealthFinding'; Severity = $Severity; Check = $Check; Message = $Message })
        Write-Verbose "[$Severity] ${Check}: $Message"
    }
    $tpmUnlock = Get-TpmUnlockParameters -Pin $TpmPin -TpmDevice $TpmDevice
    $volume = $null
    $tpmStatus = 'None'
    $escrowed = $null
    $fsStatus = 'NotChecked'
    $protectorRows = @()

    if (-not (Test-Path -LiteralPath $container -PathType Leaf)) {
        $PSCmdlet.WriteError((New-ProvisioningError -Reason 'FileNotFound' -Category ObjectNotFound -Target $container -Message "'$container' not found."))
        return
    }

    # --- Metadata ------------------------------------------------------------------------------------------------
    try { $volume = Get-BlockCryptVolume -Path $container -ErrorAction Stop }
    catch { Add-Finding 'Error' 'Metadata' "The volume cannot be read ($(Get-ShortErrorId $_)): $($_.Exception.Message)" }

    if ($volume) {
        if ($volume.MetadataCopiesValid -lt 3) {
            Add-Finding 'Error' 'Metadata' "$($volume.MetadataCopiesValid) of 3 metadata copies are valid; an unlock of the writable volume repairs the others (keep a header backup)."
        }
        if ($volume.ProtectionStatus -ne 'On') {
            Add-Finding 'Error' 'Protection' "Protection is $($volume.ProtectionStatus): the TPM protectors do not check the PCRs until Resume-BlockCryptVolume."
        }
        $protectors = @($volume.KeyProtector)
        $recovery = @($protectors | Where-Object KeyProtectorType -EQ 'RecoveryPassword')
        $tpm = @($protectors | Where-Object KeyProtectorType -In 'Tpm', 'TpmPin')
        if ($recovery.Count -eq 0) { Add-Finding 'Error' 'Protectors' 'No recovery password protector: nothing opens the volume when the TPM refuses.' }

        # --- TPM -------------------------------------------------------------------------------------------------
        if ($tpm.Count -gt 0) {
            if (-not $TpmPin -and -not ($tpm | Where-Object KeyProtectorType -EQ 'Tpm')) {
                $tpmStatus = 'NotTested'
                Add-Finding 'Warning' 'Tpm' 'The TPM protector needs its PIN: give -TpmPin to test it.'
            }
            elseif ($PSCmdlet.ShouldProcess($container, 'Unlock through the TPM (read-only) to test that it still unseals')) {
                try {
                    $null = Unlock-BlockCryptVolume -Path $container @tpmUnlock -ErrorAction Stop
                    $tpmStatus = 'Unseals'
                }
                catch {
                    $id = Get-ShortErrorId $_
                    $tpmStatus = switch ($id) {
                        'BlockCrypt.TpmPcrMismatch' { 'PcrMismatch' }
                        'BlockCrypt.PinRequired' { 'PinRequired' }
                        'BlockCrypt.WrongCredential' { 'WrongPin' }
                        'BlockCrypt.TpmUnavailable' { 'TpmUnavailable' }
                        'BlockCrypt.TpmWrongDevice' { 'WrongTpm' }
                        'BlockCrypt.TpmLockout' { 'Lockout' }
                        default { 'Failed' }
                    }
                    $hint = if ($tpmStatus -eq 'PcrMismatch') { ' If the change was intended, reseal: Suspend-BlockCryptVolume then Resume-BlockCryptVolume with -UnlockRecoveryPassword.' } else { '' }
                    Add-Finding 'Error' 'Tpm' "The TPM does not unseal ($id): $($_.Exception.Message)$hint"
                }
            }
            else { $tpmStatus = 'Skipped' }
        }

        # --- Escrow ----------------------------------------------------------------------------------------------
        $escrowRecords = @()
        if ($EscrowPath) {
            $escrowDir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($EscrowPath)
            $escrow = $null
            try { $escrow = Read-EscrowRecord -EscrowPath $escrowDir -VolumeId $volume.VolumeId }
            catch { Add-Finding 'Error' 'Escrow' $_.Exception.Message }
            $dirMode = if (Test-Path -LiteralPath $escrowDir -PathType Container) { Get-EscrowFileMode -File $escrowDir } else { $null }
            if ($null -ne $dirMode -and ([Convert]::ToInt32($dirMode, 8) -band 0x3F) -ne 0) {
                Add-Finding 'Warning' 'Escrow' "The escrow directory $escrowDir has mode ${dirMode}: group or others may list or enter it (700 expected)."
            }
            if ($escrow) {
                $escrowRecords = @($escrow.Records)
                $mode = Get-EscrowFileMode -File $escrow.File
                if ($null -ne $mode -and $mode -ne '600') { Add-Finding 'Error' 'Escrow' "The escrow file $($escrow.File) has mode $mode, not 600." }
                foreach ($r in @($escrowRecords | Where-Object { $_.Status -eq 'Active' -and @(Get-Ids $recovery) -notcontains $_.KeyProtectorId })) {
                    Add-Finding 'Warning' 'Escrow' "Escrow record $($r.KeyProtectorId) is Active but its protector is no longer on the volume (an interrupted rotation; the next Backup-BlockCryptKeyProtector marks it Superseded)."
                }
            }
            $activeForVolume = @($escrowRecords | Where-Object { $_.Status -eq 'Active' -and @(Get-Ids $recovery) -contains $_.KeyProtectorId })
            foreach ($p in $recovery) {
                if (@(Get-Ids $activeForVolume) -notcontains $p.KeyProtectorId) {
                    Add-Finding 'Warning' 'Escrow' "Recovery protector $($p.KeyProtectorId) has no Active escrow record."
                }
            }
            $escrowed = $activeForVolume.Count -gt 0
            if (-not $escrowed) { Add-Finding 'Error' 'Escrow' "No recovery password of this volume is escrowed in $escrowDir." }
            foreach ($r in $activeForVolume) {
                if ($PSCmdlet.ShouldProcess($container, "Unlock (read-only) with the escrowed recovery password of protector $($r.KeyProtectorId)")) {
                    $secret = ConvertTo-ProvisioningSecureString $r.RecoveryPassword
                    try { $null = Unlock-BlockCryptVolume -Path $container -UnlockRecoveryPassword $secret -ErrorAction Stop }
                    catch {
                        $escrowed = $false
                        Add-Finding 'Error' 'Escrow' "The escrowed recovery password of protector $($r.KeyProtectorId) does not open the volume ($(Get-ShortErrorId $_))."
                    }
                    finally { $secret.Dispose() }
                }
            }
        }

        $protectorRows = @(foreach ($p in $protectors) {
                [pscustomobject]@{
                    PSTypeName       = 'BlockCrypt.ProtectorHealth'
                    KeyProtectorId   = $p.KeyProtectorId
                    KeyProtectorType = $p.KeyProtectorType
                    Pcr              = $p.Pcr
                    # The module's unlock tries every TPM protector: the result is the TPM protectors' as a group.
                    TpmStatus        = if ($p.KeyProtectorType -in 'Tpm', 'TpmPin') { $tpmStatus } else { $null }
                    Escrowed         = if ($p.KeyProtectorType -eq 'RecoveryPassword' -and $EscrowPath) {
                        @($escrowRecords | Where-Object { $_.Status -eq 'Active' -and $_.KeyProtectorId -eq $p.KeyProtectorId }).Count -gt 0
                    }
                    else { $null }
                }
            })

        # --- Filesystem: mounted, or a temporary read-only mount -----------------------------------------------------
        if (-not $ImagePath) {
            $walkRoot = $null
            $temporary = $false
            if ($volume.LockStatus -eq 'Mounted' -and $volume.MountPoint) { $walkRoot = $volume.MountPoint }
            elseif ($TemporaryMountPoint) {
                $tmp = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($TemporaryMountPoint)
                if ($PSCmdlet.ShouldProcess($container, "Mount read-only at $tmp through the TPM to walk the filesystem")) {
                    try {
                        if (-not (Test-Path -LiteralPath $tmp)) { $null = New-Item -ItemType Directory -Path $tmp -Force }
                        $null = Mount-BlockCryptVolume -Path $container -MountPoint $tmp -ReadOnly @tpmUnlock -Confirm:$false -ErrorAction Stop
                        $walkRoot = $tmp
                        $temporary = $true
                    }
                    catch {
                        $fsStatus = 'Errors'
                        Add-Finding 'Error' 'FileSystem' "The volume could not be mounted read-only for the check ($(Get-ShortErrorId $_)): $($_.Exception.Message)"
                    }
                }
                else { $fsStatus = 'Skipped' }
            }
            if ($walkRoot) {
                try {
                    $walk = Invoke-FileSystemWalk -Root $walkRoot -Read $ReadFiles.IsPresent
                    $fsStatus = if ($walk.Problems.Count -eq 0) { 'Clean' } else { 'Errors' }
                    foreach ($p in $walk.Problems) { Add-Finding 'Error' 'FileSystem' $p }
                    Write-Verbose "Walked $($walk.Entries) entries under $walkRoot."
                }
                finally {
                    if ($temporary) { Dismount-BlockCryptVolume -MountPoint $walkRoot -Confirm:$false -ErrorAction Continue }
                }
            }
        }
    }

    # --- Filesystem: an exported plain image -------------------------------------------------------------------------
    if ($ImagePath) {
        $image = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ImagePath)
        if (-not (Test-Path -LiteralPath $image -PathType Leaf)) {
            $fsStatus = 'Errors'
            Add-Finding 'Error' 'FileSystem' "Image '$image' not found."
        }
        elseif (-not (Get-Command fsck.fat -CommandType Application -ErrorAction SilentlyContinue)) {
            $fsStatus = 'NotChecked'
            Add-Finding 'Warning' 'FileSystem' 'fsck.fat is not installed (Debian package dosfstools): the image was not checked.'
        }
        else {
            $output = @(& fsck.fat -n $image 2>&1 | ForEach-Object { "$_" })
            $exit = $LASTEXITCODE
            # A clean run prints the version and one summary line; anything else is a finding (fsck.fat exits 0 even
            # for differences between the boot sector and its backup).
            $extra = @($output | Where-Object {
                    $_.Trim() -and $_ -notmatch '^fsck\.fat \d' -and $_ -notmatch ': \d+ files, \d+/\d+ clusters$'
                })
            $fsStatus = if ($exit -eq 0 -and $extra.Count -eq 0) { 'Clean' } else { 'Errors' }
            if ($exit -ne 0) { Add-Finding 'Error' 'FileSystem' "fsck.fat -n exited with $exit." }
            foreach ($line in $extra) { Add-Finding 'Error' 'FileSystem' "fsck.fat: $($line.Trim())" }
        }
    }

    [pscustomobject]@{
        PSTypeName               = 'BlockCrypt.VolumeHealth'
        Path                     = $container
        VolumeId                 = if ($volume) { $volume.VolumeId } else { $null }
        Healthy                  = -not ($findings | Where-Object Severity -EQ 'Error')
        MetadataCopiesValid      = if ($volume) { $volume.MetadataCopiesValid } else { 0 }
        ProtectionStatus         = if ($volume) { $volume.ProtectionStatus } else { $null }
        LockStatus               = if ($volume) { $volume.LockStatus } else { $null }
        TpmStatus                = $tpmStatus
        RecoveryPasswordEscrowed = $escrowed
        FileSystemStatus         = $fsStatus
        Protectors               = $protectorRows
        Findings                 = [object[]] $findings.ToArray()
        CheckedUtc               = [DateTime]::UtcNow
    }
}
