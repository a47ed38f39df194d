<#
.SYNOPSIS
    Shared helpers for the BlockCrypt Pester suites: module import, private swtpm instances, temp directories.

.DESCRIPTION
    Import with:  Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Every helper that starts something returns an object its Stop-/Remove- counterpart accepts, so suites can clean up
    in AfterAll/AfterEach even when a test failed half way.
#>

Set-StrictMode -Version Latest

$script:RepoRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))

function Get-BlockCryptRepoRoot {
    <# .SYNOPSIS The repository root (two levels above tests/pester). #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    return $script:RepoRoot
}

function Get-BlockCryptModulePath {
    <#
    .SYNOPSIS
        Path of the built module manifest: tools/BlockCrypt.PowerShell/bin/<cfg>/net10.0/BlockCrypt.psd1,
        <cfg> = $env:BLOCKCRYPT_BUILD_CONFIGURATION, else 'Release'.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $cfg = if ($env:BLOCKCRYPT_BUILD_CONFIGURATION) { $env:BLOCKCRYPT_BUILD_CONFIGURATION } else { 'Release' }
    return (Join-Path $script:RepoRoot 'tools/BlockCrypt.PowerShell/bin' $cfg 'net10.0/BlockCrypt.psd1')
}

function Get-BlockCryptCliPath {
    <#
    .SYNOPSIS
        Path of the built blockcrypt CLI: tools/BlockCrypt.Cli/bin/<cfg>/net10.0/blockcrypt (blockcrypt.exe on Windows),
        <cfg> as for Get-BlockCryptModulePath.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $cfg = if ($env:BLOCKCRYPT_BUILD_CONFIGURATION) { $env:BLOCKCRYPT_BUILD_CONFIGURATION } else { 'Release' }
    $name = if ($IsWindows) { 'blockcrypt.exe' } else { 'blockcrypt' }
    return (Join-Path $script:RepoRoot 'tools/BlockCrypt.Cli/bin' $cfg 'net10.0' $name)
}

function Import-BlockCryptModule {
    <#
    .SYNOPSIS
        Imports the built BlockCrypt module (global scope, so Pester's It blocks see it). A binary module cannot be
        reloaded in one process: when it is already loaded this does nothing.
    #>
    [CmdletBinding()]
    param()
    if (Get-Module -Name BlockCrypt) { return }
    $psd1 = Get-BlockCryptModulePath
    if (-not (Test-Path -LiteralPath $psd1)) {
        throw "BlockCrypt module not built: '$psd1' is missing (dotnet build tools/BlockCrypt.PowerShell -c Release)."
    }
    Import-Module $psd1 -Global -ErrorAction Stop
}

function New-TestDirectory {
    <#
    .SYNOPSIS
        Creates a new empty directory under the temp dir and returns its absolute path (a string).
    .PARAMETER Prefix
        Name prefix, default 'bc-pester'.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string] $Prefix = 'bc-pester')
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [Guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    return $dir
}

function Remove-TestDirectory {
    <#
    .SYNOPSIS
        Deletes a directory made by New-TestDirectory (best effort; lazily unmounts FUSE mounts found under it).
    #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)][AllowNull()][AllowEmptyString()][string] $Path)
    process {
        if (-not $Path -or -not (Test-Path -LiteralPath $Path)) { return }
        if ($IsLinux) {
            $mounts = @(& findmnt -rn -o TARGET 2>$null | Where-Object { $_ -like "$Path/*" -or $_ -eq $Path })
            foreach ($m in $mounts) { & fusermount3 -u -z $m 2>$null | Out-Null }
        }
        Remove-Item -LiteralPath $Path -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-FreeTcpPortPair {
    # A port P with P+1 also free (swtpm's control channel lives at P+1).
    for ($i = 0; $i -lt 50; $i++) {
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start()
        $port = ([System.Net.IPEndPoint] $l.LocalEndpoint).Port
        $l.Stop()
        if ($port -ge 65535) { continue }
        try {
            $l2 = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $port + 1)
            $l2.Start()
            $l2.Stop()
            return $port
        }
        catch [System.Net.Sockets.SocketException] { }
    }
    throw 'No free TCP port pair found.'
}

function Test-TcpPortOpen([int] $Port) {
    $client = [System.Net.Sockets.TcpClient]::new()
    try { $client.Connect([System.Net.IPAddress]::Loopback, $Port); return $true }
    catch { return $false }
    finally { $client.Dispose() }
}

function Start-TestSwtpm {
    <#
    .SYNOPSIS
        Starts a private swtpm (blank TPM 2.0, new temp state dir) on a free localhost port P, control port P+1,
        with --flags not-need-init,startup-clear. Retries on another port when the chosen one is taken.
    .OUTPUTS
        PSCustomObject: Port, CtrlPort, Tcti ('swtpm:127.0.0.1:P', for -TpmDevice / BLOCKCRYPT_TPM),
        Tpm2ToolsTcti ('swtpm:host=127.0.0.1,port=P', for TPM2TOOLS_TCTI), StateDir, Process. Pass it to Stop-TestSwtpm.
    #>
    [CmdletBinding()]
    param()
    $dir = New-TestDirectory -Prefix 'bc-swtpm'
    $lastError = ''
    for ($attempt = 0; $attempt -lt 10; $attempt++) {
        $port = Get-FreeTcpPortPair
        $swtpmArgs = @('socket', '--tpm2', '--tpmstate', "dir=$dir",
            '--server', "type=tcp,port=$port,bindaddr=127.0.0.1",
            '--ctrl', "type=tcp,port=$($port + 1),bindaddr=127.0.0.1",
            '--flags', 'not-need-init,startup-clear', '--log', "file=$dir/log")
        $process = Start-Process -FilePath 'swtpm' -ArgumentList $swtpmArgs -PassThru `
            -RedirectStandardError (Join-Path $dir 'stderr') -RedirectStandardOutput (Join-Path $dir 'stdout')
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        $ready = $false
        while ([DateTime]::UtcNow -lt $deadline) {
            if ($process.HasExited) { break }
            if (Test-TcpPortOpen $port) { $ready = $true; break }
            Start-Sleep -Milliseconds 10
        }
        if ($ready) {
            return [pscustomobject]@{
                PSTypeName    = 'BlockCrypt.Test.Swtpm'
                Port          = $port
                CtrlPort      = $port + 1
                Tcti          = "swtpm:127.0.0.1:$port"
                Tpm2ToolsTcti = "swtpm:host=127.0.0.1,port=$port"
                StateDir      = $dir
                Process       = $process
            }
        }
        if (-not $process.HasExited) { $process.Kill(); $process.WaitForExit(5000) | Out-Null }
        $lastError = Get-Content -Raw -ErrorAction SilentlyContinue (Join-Path $dir 'stderr')
    }
    Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
    throw "swtpm did not start: $lastError"
}

function Stop-TestSwtpm {
    <#
    .SYNOPSIS
        Kills a swtpm started by Start-TestSwtpm and deletes its state dir. Accepts $null (does nothing), so it is
        safe in AfterAll even when the start failed.
    #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)][AllowNull()] $Swtpm)
    process {
        if ($null -eq $Swtpm) { return }
        $p = $Swtpm.Process
        if ($p -and -not $p.HasExited) {
            try { $p.Kill(); $p.WaitForExit(5000) | Out-Null } catch { }
        }
        if ($p) { $p.Dispose() }
        Remove-Item -LiteralPath $Swtpm.StateDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-TestPcrExtend {
    <#
    .SYNOPSIS
        Extends a sha256 PCR of a test swtpm with tpm2_pcrextend (simulates a boot-chain change), then flushes
        transient contexts. The caller must not hold a connection to the swtpm (it serves one client at a time).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Swtpm,
        [int] $Pcr = 7,
        [string] $Digest = ('ab' * 32)
    )
    $saved = $env:TPM2TOOLS_TCTI
    $env:TPM2TOOLS_TCTI = $Swtpm.Tpm2ToolsTcti
    try {
        $out = & tpm2_pcrextend "${Pcr}:sha256=$Digest" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "tpm2_pcrextend failed ($LASTEXITCODE): $out" }
        & tpm2_flushcontext -t 2>&1 | Out-Null
    }
    finally { $env:TPM2TOOLS_TCTI = $saved }
}

function ConvertTo-TestSecureString {
    <# .SYNOPSIS A SecureString from a test literal (tests only). #>
    [CmdletBinding()]
    [OutputType([securestring])]
    param([Parameter(Mandatory, Position = 0)][string] $Text)
    return (ConvertTo-SecureString -String $Text -AsPlainText -Force)
}

Export-ModuleMember -Function Get-BlockCryptRepoRoot, Get-BlockCryptModulePath, Get-BlockCryptCliPath, Import-BlockCryptModule,
    New-TestDirectory, Remove-TestDirectory, Start-TestSwtpm, Stop-TestSwtpm, Invoke-TestPcrExtend,
    ConvertTo-TestSecureString
