#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, benchmarks and demonstrates BlockCrypt.

.DESCRIPTION
    Run from a fresh clone as:  dotnet tool restore && dotnet pwsh ./build.ps1 <Target>

    Targets:
      Build    Restore and build the whole solution (Release).
      Test     Install missing Debian packages (when root), build, run every NUnit project and every
               Pester suite, and print one closing line: "N passed, N failed, N skipped".
               Exits non-zero when anything failed.
      Bench    Run the BenchmarkDotNet suites (-BenchFilter selects, e.g. '*Xts*').
      Demo     The end-to-end demo: volume, TPM protector (swtpm stand-in), recovery password,
               FUSE mount, files, unmount, unlock again, PCR change, recovery.
      Publish  Publish the blockcrypt CLI to artifacts/cli.
      Clean    Remove build outputs and artifacts.

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -Filter 'TestCategory!=Fuse'
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Bench', 'Demo', 'Publish', 'Clean')]
    [string] $Target = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # dotnet test --filter expression for the NUnit part of Test (e.g. 'TestCategory=Tpm').
    [string] $Filter,

    # Skip the Pester part of Test.
    [switch] $NoPester,

    # BenchmarkDotNet --filter for Bench.
    [string] $BenchFilter = '*'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSStyle.OutputRendering = 'PlainText'

$Root = $PSScriptRoot
$Artifacts = Join-Path $Root 'artifacts'
$Solution = Join-Path $Root 'BlockCrypt.sln'
$CliProject = Join-Path $Root 'tools/BlockCrypt.Cli/BlockCrypt.Cli.csproj'

# Debian packages the tests, the demo and the benchmarks use.
$DebianPackages = @('fuse3', 'libfuse3-3', 'swtpm', 'swtpm-tools', 'tpm2-tools', 'dosfstools', 'mtools',
    'softhsm2', 'python3-cryptography', 'fio', 'openssl')

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Write-Step([string] $Message) {
    Write-Host "==> $Message"
}

function Invoke-Native {
    # Runs a native command and throws when it fails, so a failed step never goes unnoticed.
    param([Parameter(Mandatory)][string] $File, [string[]] $Arguments = @())
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Test-IsRoot {
    if (-not $IsLinux) { return $false }
    return ((& id -u) -eq '0')
}

function Install-Prerequisites {
    if (-not $IsLinux) {
        Write-Step 'Not Linux: skipping Debian packages (FUSE, swtpm, FAT tools and SoftHSM2 tests need Linux).'
        return
    }
    $missing = @($DebianPackages | Where-Object {
            $status = & dpkg-query -W -f='${Status}' $_ 2>$null
            $status -notlike '*install ok installed*'
        })
    if ($missing.Count -eq 0) { return }
    if (-not (Test-IsRoot)) {
        Write-Warning "Missing Debian packages: $($missing -join ' '). Run as root, or: sudo apt-get install -y $($missing -join ' ')"
        return
    }
    Write-Step "Installing Debian packages: $($missing -join ' ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq')
    $installArgs = @('install', '-y', '-qq', '--no-install-recommends') + $missing
    Invoke-Native apt-get $installArgs
}

function Invoke-Build {
    Write-Step "Building $Solution ($Configuration)"
    Invoke-Native dotnet @('build', $Solution, '-c', $Configuration, '-nologo', '-clp:ErrorsOnly;Summary')
}

function Restore-Pester {
    $psd1 = Join-Path $Artifacts 'packages/pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $psd1)) {
        Write-Step 'Restoring Pester 5.7.1 from NuGet'
        Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/pester/PesterRestore.csproj'), '-nologo', '-v', 'q')
    }
    return $psd1
}

function Get-TrxTotals([string] $Directory) {
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0; Files = 0 }
    foreach ($file in Get-ChildItem -Path $Directory -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue) {
        [xml] $trx = Get-Content -Raw -LiteralPath $file.FullName
        $counters = $trx.TestRun.ResultSummary.Counters
        $totals.Passed += [int] $counters.passed
        $totals.Failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        $totals.Skipped += [int] $counters.notExecuted
        $totals.Files++
        if ($trx.TestRun.ResultSummary.outcome -notin @('Completed', 'Passed', 'Failed')) {
            Write-Warning "$($file.Name): run outcome $($trx.TestRun.ResultSummary.outcome)"
        }
    }
    return $totals
}

function Invoke-Tests {
    Install-Prerequisites
    Invoke-Build

    $results = Join-Path $Artifacts 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force $results | Out-Null

    $passed = 0; $failed = 0; $skipped = 0

    Write-Step 'Running NUnit tests'
    $testArgs = @('test', $Solution, '-c', $Configuration, '--no-build', '-nologo',
        '--logger', 'trx', '--logger', 'console;verbosity=minimal', '--results-directory', $results)
    if ($Filter) { $testArgs += @('--filter', $Filter) }
    & dotnet @testArgs
    $dotnetTestExit = $LASTEXITCODE
    $nunit = Get-TrxTotals $results
    $passed += $nunit.Passed; $failed += $nunit.Failed; $skipped += $nunit.Skipped
    Write-Step "NUnit totals over $($nunit.Files) test assemblies: passed=$($nunit.Passed) failed=$($nunit.Failed) skipped=$($nunit.Skipped)"
    if ($dotnetTestExit -ne 0 -and $nunit.Failed -eq 0) {
        # A crashed test host or a build failure reports no failed test: count the run itself as one failure.
        Write-Warning "dotnet test exited with $dotnetTestExit although no test failed: counting the run as failed."
        $failed++
    }

    if (-not $NoPester -and (Get-ChildItem (Join-Path $Root 'tests/pester') -Filter '*.Tests.ps1' -Recurse -ErrorAction SilentlyContinue)) {
        $pesterModule = Restore-Pester
        $summary = Join-Path $results 'pester-summary.json'
        Write-Step 'Running Pester tests (fresh PowerShell process)'
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1') `
            -PesterModule $pesterModule -SummaryPath $summary -Configuration $Configuration
        $pesterExit = $LASTEXITCODE
        if (Test-Path $summary) {
            $p = Get-Content -Raw $summary | ConvertFrom-Json
            $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
            if ($pesterExit -ne 0 -and $p.Failed -eq 0) { $failed++ }
        }
        else {
            Write-Warning 'The Pester run wrote no summary: counting it as failed.'
            $failed++
        }
    }

    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0 -or ($passed -eq 0)) { exit 1 }
}

function Invoke-Bench {
    Install-Prerequisites
    $out = Join-Path $Artifacts 'benchmarks'
    Write-Step "Running benchmarks (filter '$BenchFilter'); results in $out"
    Invoke-Native dotnet @('run', '-c', 'Release', '--project', (Join-Path $Root 'benchmarks/BlockCrypt.Benchmarks'), '--',
        '--filter', $BenchFilter, '--artifacts', $out)
}

function Publish-Cli {
    $out = Join-Path $Artifacts 'cli'
    Write-Step "Publishing the blockcrypt CLI to $out"
    Invoke-Native dotnet @('publish', $CliProject, '-c', $Configuration, '-o', $out, '-nologo', '-clp:ErrorsOnly')
    return (Join-Path $out 'blockcrypt')
}

function Invoke-Demo {
    Install-Prerequisites
    $cli = Publish-Cli
    & (Join-Path $Root 'tools/demo/Invoke-Demo.ps1') -Cli $cli -WorkDirectory (Join-Path $Root 'demo')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Clean {
    Write-Step 'Cleaning'
    & dotnet clean $Solution -c $Configuration -nologo -v q | Out-Null
    foreach ($dir in @($Artifacts, (Join-Path $Root 'demo'))) {
        if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    }
    Get-ChildItem $Root -Directory -Recurse -Include 'bin', 'obj' -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -notlike '*/.git/*' } |
        ForEach-Object { Remove-Item -Recurse -Force $_.FullName }
}

Push-Location $Root
try {
    switch ($Target) {
        'Build' { Install-Prerequisites; Invoke-Build }
        'Test' { Invoke-Tests }
        'Bench' { Invoke-Bench }
        'Demo' { Invoke-Demo }
        'Publish' { Publish-Cli | Out-Null }
        'Clean' { Invoke-Clean }
    }
}
finally {
    Pop-Location
}
