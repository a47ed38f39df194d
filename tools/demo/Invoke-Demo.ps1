#!/usr/bin/env pwsh
<#
.SYNOPSIS
    BlockCrypt end to end: create a volume with a TPM protector and a recovery password, mount it, write and list
    files, unmount, unlock again through the TPM, then simulate a boot-chain change and recover.

.DESCRIPTION
    Uses the machine's TPM (/dev/tpmrm0) when there is one; otherwise starts swtpm, a software TPM 2.0 simulator,
    as a stand-in, and says so. Everything lives under -WorkDirectory; every process it starts is stopped and every
    mount it makes is unmounted when it ends, also on failure. Needs root for FUSE (/dev/fuse).

.PARAMETER Cli
    Path of the published blockcrypt executable (build.ps1 Demo publishes it to artifacts/cli).

.PARAMETER WorkDirectory
    Where the demo keeps its container, mount point, recovery password and simulator state (recreated each run).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $Cli,
    [Parameter(Mandatory)][string] $WorkDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$script:Step = 0
function Write-DemoStep([string] $Text) {
    $script:Step++
    Write-Host ''
    Write-Host ("[{0,2}] {1}" -f $script:Step, $Text)
}

function Invoke-BlockCrypt {
    # Runs the CLI, echoing the command line, and throws when it fails (unless -AllowFailure).
    param([string[]] $Arguments, [string] $StandardInput, [switch] $AllowFailure)
    Write-Host "     `$ blockcrypt $($Arguments -join ' ')"
    if ($PSBoundParameters.ContainsKey('StandardInput')) {
        $output = $StandardInput | & $Cli @Arguments 2>&1
    }
    else {
        $output = & $Cli @Arguments 2>&1
    }
    $exit = $LASTEXITCODE
    foreach ($line in $output) { Write-Host "     $line" }
    if ($exit -ne 0 -and -not $AllowFailure) { throw "blockcrypt $($Arguments[0]) failed with exit code $exit." }
    return $exit
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return ([System.Net.IPEndPoint] $listener.LocalEndpoint).Port } finally { $listener.Stop() }
}

$work = [IO.Path]::GetFullPath($WorkDirectory)
$container = Join-Path $work 'volume.bcv'
$mountPoint = Join-Path $work 'mnt'
$recoveryFile = Join-Path $work 'recovery-password.txt'
$tpmState = Join-Path $work 'swtpm-state'
$swtpm = $null
$mounted = $false

try {
    if (Test-Path $work) {
        if ((& findmnt -rn -o TARGET 2>$null) -contains $mountPoint) { & fusermount3 -u -z $mountPoint 2>$null }
        Remove-Item -Recurse -Force $work
    }
    New-Item -ItemType Directory -Force $work, $mountPoint, $tpmState | Out-Null

    Write-DemoStep 'Choosing a TPM'
    if (Test-Path '/dev/tpmrm0') {
        $env:BLOCKCRYPT_TPM = '/dev/tpmrm0'
        Write-Host '     Using the machine''s TPM at /dev/tpmrm0.'
        $tcti = 'device:/dev/tpmrm0'
    }
    else {
        Write-Host '     No TPM device here: starting swtpm, a SOFTWARE TPM SIMULATOR, as a stand-in.'
        Write-Host '     (Keys sealed to a simulator protect nothing; this is for demonstration only.)'
        for ($attempt = 0; $attempt -lt 5 -and -not $swtpm; $attempt++) {
            $port = Get-FreeTcpPort
            $p = Start-Process -FilePath 'swtpm' -PassThru -ArgumentList @(
                'socket', '--tpm2', '--tpmstate', "dir=$tpmState",
                '--server', "type=tcp,port=$port,bindaddr=127.0.0.1",
                '--ctrl', "type=tcp,port=$($port + 1),bindaddr=127.0.0.1",
                '--flags', 'not-need-init,startup-clear')
            for ($i = 0; $i -lt 50; $i++) {
                Start-Sleep -Milliseconds 100
                if ($p.HasExited) { break }
                try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port); $c.Dispose(); $swtpm = $p; break } catch { }
            }
            if (-not $swtpm -and -not $p.HasExited) { $p.Kill() }
        }
        if (-not $swtpm) { throw 'swtpm did not start.' }
        $env:BLOCKCRYPT_TPM = "swtpm:127.0.0.1:$port"
        $tcti = "swtpm:host=127.0.0.1,port=$port"
        Write-Host "     swtpm listening on 127.0.0.1:$port (BLOCKCRYPT_TPM=$env:BLOCKCRYPT_TPM)."
    }

    Write-DemoStep 'Creating a 512 MiB (sparse) volume: AES-256-XTS, FAT32, a TPM protector on PCR 7 and a recovery password'
    Invoke-BlockCrypt @('format', $container, '--size', '512M', '--filesystem', 'fat32', '--label', 'DEMO', '--tpm', '--pcrs', '7',
        '--recovery-password-out', $recoveryFile) | Out-Null
    Write-Host "     The recovery password was written to $recoveryFile (keep it somewhere else than the disk!)."

    Write-DemoStep 'Status of the new volume'
    Invoke-BlockCrypt @('status', $container) | Out-Null

    Write-DemoStep 'Mounting through the TPM protector (no credential typed)'
    Invoke-BlockCrypt @('mount', $container, $mountPoint) | Out-Null
    $mounted = $true

    Write-DemoStep 'Writing files through the mount'
    Set-Content -LiteralPath (Join-Path $mountPoint 'hello.txt') -Value 'Hello from inside an encrypted volume.'
    New-Item -ItemType Directory (Join-Path $mountPoint 'Reports 2026') | Out-Null
    $report = Join-Path $mountPoint 'Reports 2026/quarterly figures with a long name.csv'
    Set-Content -LiteralPath $report -Value ((1..1000 | ForEach-Object { "$_,$($_ * $_)" }) -join "`n")
    $random = Join-Path $mountPoint 'random.bin'
    & dd if=/dev/urandom of=$random bs=1M count=8 status=none
    $hashBefore = (Get-FileHash -Algorithm SHA256 -LiteralPath $random).Hash
    Get-ChildItem -Recurse $mountPoint | ForEach-Object { Write-Host ("     {0,10}  {1}" -f $(if ($_.PSIsContainer) { '<dir>' } else { $_.Length }), $_.FullName.Substring($mountPoint.Length)) }
    Write-Host "     sha256(random.bin) = $hashBefore"

    Write-DemoStep 'Unmounting (flushes, clears the FAT dirty bit, zeroes the keys)'
    Invoke-BlockCrypt @('unmount', $mountPoint) | Out-Null
    $mounted = $false
    $plainHits = & grep -c 'Hello from inside' $container 2>$null
    Write-Host "     The container holds no plaintext: grep finds 'Hello from inside' $(if ($plainHits) { $plainHits } else { 0 }) times."

    Write-DemoStep 'Unlocking again through the TPM and checking the files'
    Invoke-BlockCrypt @('mount', $container, $mountPoint) | Out-Null
    $mounted = $true
    Write-Host "     hello.txt: $(Get-Content -LiteralPath (Join-Path $mountPoint 'hello.txt'))"
    $hashAfter = (Get-FileHash -Algorithm SHA256 -LiteralPath $random).Hash
    Write-Host "     sha256(random.bin) = $hashAfter $(if ($hashAfter -eq $hashBefore) { '(identical)' } else { '(DIFFERENT!)' })"
    if ($hashAfter -ne $hashBefore) { throw 'random.bin changed across unmount and unlock.' }
    Invoke-BlockCrypt @('unmount', $mountPoint) | Out-Null
    $mounted = $false

    Write-DemoStep 'Simulating a boot-chain change: extending PCR 7 (as a firmware or Secure Boot change would)'
    $env:TPM2TOOLS_TCTI = $tcti
    & tpm2_pcrextend '7:sha256=0000000000000000000000000000000000000000000000000000000000000001'
    if ($LASTEXITCODE -ne 0) { throw 'tpm2_pcrextend failed.' }
    Write-Host '     PCR 7 extended.'

    Write-DemoStep 'The TPM now refuses to unseal'
    $exit = Invoke-BlockCrypt @('mount', $container, $mountPoint) -AllowFailure
    if ($exit -eq 0) { $mounted = $true; throw 'The TPM protector unlocked after a PCR change: it should not.' }
    Write-Host "     Refused as expected (exit code $exit)."

    Write-DemoStep 'Recovering with the recovery password'
    Invoke-BlockCrypt @('mount', $container, $mountPoint, '--recovery-password-file', $recoveryFile) | Out-Null
    $mounted = $true
    Write-Host "     hello.txt: $(Get-Content -LiteralPath (Join-Path $mountPoint 'hello.txt'))"
    Invoke-BlockCrypt @('unmount', $mountPoint) | Out-Null
    $mounted = $false

    Write-DemoStep 'Re-sealing the TPM protector to the new, intended measurements'
    Invoke-BlockCrypt @('protector', 'reseal', $container, '--recovery-password-file', $recoveryFile) | Out-Null
    Invoke-BlockCrypt @('mount', $container, $mountPoint) | Out-Null
    $mounted = $true
    Write-Host '     The TPM unlocks again.'
    Invoke-BlockCrypt @('unmount', $mountPoint) | Out-Null
    $mounted = $false

    Write-Host ''
    Write-Host 'Demo complete: the volume, recovery password and simulator state are in' $work
    exit 0
}
catch {
    Write-Host ''
    Write-Host "Demo failed: $($_.Exception.Message)"
    exit 1
}
finally {
    if ($mounted) { & $Cli unmount $mountPoint 2>$null | Out-Null; & fusermount3 -u -z $mountPoint 2>$null }
    if ($swtpm -and -not $swtpm.HasExited) { $swtpm.Kill(); $swtpm.WaitForExit() }
}
