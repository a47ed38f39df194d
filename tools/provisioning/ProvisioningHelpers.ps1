<#
.SYNOPSIS
    Private helpers shared by the provisioning scripts (dot-sourced by New-ProvisionedVolume.ps1,
    Invoke-KeyRotation.ps1 and Test-VolumeHealth.ps1). Not meant to be called directly.

.DESCRIPTION
    Everything that touches a volume goes through the BlockCrypt module's cmdlets; these helpers only import the
    module, read escrow records (JSON files written by Backup-BlockCryptKeyProtector), build ErrorRecords and
    splat the common unlock parameters.
#>

Set-StrictMode -Version Latest

function Import-BlockCryptForProvisioning {
    # Uses the loaded module, else one on $env:PSModulePath, else the repository's build output
    # (tools/BlockCrypt.PowerShell/bin/<cfg>/net10.0, <cfg> = $env:BLOCKCRYPT_BUILD_CONFIGURATION or Release).
    if (Get-Module -Name BlockCrypt) { return }
    if (Get-Module -ListAvailable -Name BlockCrypt) {
        Import-Module -Name BlockCrypt -Global -ErrorAction Stop
        return
    }
    $cfg = if ($env:BLOCKCRYPT_BUILD_CONFIGURATION) { $env:BLOCKCRYPT_BUILD_CONFIGURATION } else { 'Release' }
    $psd1 = Join-Path $PSScriptRoot '..' 'BlockCrypt.PowerShell' 'bin' $cfg 'net10.0' 'BlockCrypt.psd1'
    if (-not (Test-Path -LiteralPath $psd1)) {
        throw [System.IO.FileNotFoundException]::new(
            "The BlockCrypt module is not loaded, not on PSModulePath and not built at '$psd1' (dotnet build tools/BlockCrypt.PowerShell -c Release).")
    }
    Import-Module $psd1 -Global -ErrorAction Stop
}

function New-ProvisioningError {
    # An ErrorRecord with ErrorId 'BlockCrypt.Provisioning.<Reason>'.
    param(
        [Parameter(Mandatory)][string] $Reason,
        [Parameter(Mandatory)][System.Management.Automation.ErrorCategory] $Category,
        [Parameter(Mandatory)][string] $Message,
        [object] $Target
    )
    $exception = [System.InvalidOperationException]::new($Message)
    return [System.Management.Automation.ErrorRecord]::new($exception, "BlockCrypt.Provisioning.$Reason", $Category, $Target)
}

function ConvertTo-ProvisioningByteCount {
    # Bytes for a size as New-BlockCryptVolume reads it: a number of bytes, or a number with K/KB/KiB, M/MB/MiB,
    # G/GB/GiB or T/TB/TiB (binary units). $null when the text is not a size.
    param([Parameter(Mandatory)][string] $Size)
    if ($Size.Trim() -notmatch '^(\d+)\s*([KMGT](?:i?B)?|B)?$') { return $null }
    $value = [long] $Matches[1]
    $unit = if ($Matches[2]) { $Matches[2].Substring(0, 1).ToUpperInvariant() } else { 'B' }
    $shift = @{ B = 0; K = 10; M = 20; G = 30; T = 40 }[$unit]
    if ($value -le 0 -or $value -gt ([long]::MaxValue -shr $shift)) { return $null }
    return $value * ([long] 1 -shl $shift)
}

function Get-Ids {
    # The values of one property of every item (KeyProtectorId by default); safe on empty arrays under StrictMode,
    # where member enumeration of an empty array fails.
    param([AllowNull()][object[]] $Items, [string] $Name = 'KeyProtectorId')
    foreach ($item in @($Items)) { if ($null -ne $item) { $item.$Name } }
}

function Get-EscrowFile {
    param([Parameter(Mandatory)][string] $EscrowPath, [Parameter(Mandatory)][guid] $VolumeId)
    return (Join-Path $EscrowPath ($VolumeId.ToString('D') + '.json'))
}

function Read-EscrowRecord {
    # The parsed escrow record of a volume (VolumeId, Path, Records[] with KeyProtectorId as [guid], Status, ...), or
    # $null when there is none. A record that cannot be read is a terminating error: never guess about escrow.
    param([Parameter(Mandatory)][string] $EscrowPath, [Parameter(Mandatory)][guid] $VolumeId)
    $file = Get-EscrowFile -EscrowPath $EscrowPath -VolumeId $VolumeId
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { return $null }
    try {
        $json = Get-Content -LiteralPath $file -Raw -ErrorAction Stop | ConvertFrom-Json -DateKind String -ErrorAction Stop
        $records = @(foreach ($r in @($json.Records)) {
                [pscustomobject]@{
                    KeyProtectorId   = [guid] $r.KeyProtectorId
                    RecoveryPassword = [string] $r.RecoveryPassword
                    CreatedUtc       = $r.CreatedUtc
                    Status           = [string] $r.Status
                    SupersededUtc    = $r.SupersededUtc
                }
            })
        if ([guid] $json.VolumeId -ne $VolumeId) { throw "it names volume $($json.VolumeId)" }
    }
    catch {
        throw (New-ProvisioningError -Reason 'EscrowDamaged' -Category InvalidData -Target $file `
                -Message "The escrow record '$file' is not readable ($($_.Exception.Message)); nothing was changed.")
    }
    return [pscustomobject]@{ File = $file; VolumeId = $VolumeId; Path = [string] $json.Path; Records = $records }
}

function Get-EscrowFileMode {
    # The POSIX permission bits of a file or directory as an octal string ('600'), or $null on Windows.
    param([Parameter(Mandatory)][string] $File)
    if ($IsWindows) { return $null }
    $mode = [int] [System.IO.File]::GetUnixFileMode($File)
    return [Convert]::ToString($mode, 8)
}

function ConvertTo-ProvisioningSecureString {
    # A SecureString for a secret the module handed back as text (a new recovery password, an escrowed one).
    param([Parameter(Mandatory)][AllowEmptyString()][string] $Text)
    $secure = [securestring]::new()
    foreach ($c in $Text.ToCharArray()) { $secure.AppendChar($c) }
    $secure.MakeReadOnly()
    return $secure
}

function Get-TpmUnlockParameters {
    # The splat that unlocks through the TPM: -UnlockWithTpm [-UnlockPin] [-TpmDevice].
    param([securestring] $Pin, [string] $TpmDevice)
    $p = @{ UnlockWithTpm = $true }
    if ($Pin) { $p.UnlockPin = $Pin }
    if ($TpmDevice) { $p.TpmDevice = $TpmDevice }
    return $p
}

function Get-KdfParameters {
    # The hidden KDF knobs of the module (tests keep Argon2id small with them).
    param([Nullable[int]] $KdfMemoryKiB, [Nullable[int]] $KdfIterations)
    $p = @{}
    if ($KdfMemoryKiB) { $p.KdfMemoryKiB = $KdfMemoryKiB }
    if ($KdfIterations) { $p.KdfIterations = $KdfIterations }
    return $p
}

function Test-BlockCryptMountAt {
    # $true when a BlockCrypt FUSE mount sits at $MountPoint (Linux), e.g. one made by the CLI or another
    # PowerShell process; a fallback for when the module's lock-directory records do not show it.
    param([Parameter(Mandatory)][string] $MountPoint)
    if (-not $IsLinux -or -not (Test-Path -LiteralPath '/proc/self/mountinfo')) { return $false }
    $full = [System.IO.Path]::GetFullPath($MountPoint).TrimEnd('/')
    foreach ($line in [System.IO.File]::ReadLines('/proc/self/mountinfo')) {
        # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER
        $fields = $line.Split(' ')
        if ($fields.Count -lt 5) { continue }
        $target = $fields[4] -replace '\\040', ' '
        if ($target -eq $full -and $line -match ' - fuse\.blockcrypt ') { return $true }
    }
    return $false
}
