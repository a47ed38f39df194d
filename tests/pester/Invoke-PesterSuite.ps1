<#
.SYNOPSIS
    Runs every *.Tests.ps1 under tests/pester with Pester 5 and writes a JSON summary for build.ps1.
.DESCRIPTION
    Started by build.ps1 in a fresh `dotnet pwsh` process, because a binary module loaded once cannot be
    reloaded in the same session. Exits with the number of failed tests (capped at 255).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $PesterModule,
    [Parameter(Mandatory)][string] $SummaryPath,
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $PesterModule -Force

$env:BLOCKCRYPT_BUILD_CONFIGURATION = $Configuration
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($SummaryPath, '.xml')
$result = Invoke-Pester -Configuration $config

$summary = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
}
$summary | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
Write-Host "Pester totals: passed=$($summary.Passed) failed=$($summary.Failed) skipped=$($summary.Skipped)"
exit [Math]::Min(255, $summary.Failed)
