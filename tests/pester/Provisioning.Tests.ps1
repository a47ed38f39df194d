<#
.SYNOPSIS
    Pester tests for tools/provisioning: New-ProvisionedVolume.ps1, Invoke-KeyRotation.ps1, Test-VolumeHealth.ps1,
    run for real against a private swtpm per Describe block and FUSE mounts in temp directories.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BlockCryptModule

    $script:Provisioning = Join-Path (Get-BlockCryptRepoRoot) 'tools/provisioning'
    $script:NewProvisioned = Join-Path $script:Provisioning 'New-ProvisionedVolume.ps1'
    $script:RotateKeys = Join-Path $script:Provisioning 'Invoke-KeyRotation.ps1'
    $script:TestHealth = Join-Path $script:Provisioning 'Test-VolumeHealth.ps1'
    # Small Argon2id so that every recovery password / PIN costs milliseconds.
    $script:Kdf = @{ KdfMemoryKiB = 8192; KdfIterations = 1 }
    $script:RecoveryPattern = '^(\d{6}-){7}\d{6}$'

    function Get-MetadataHash([string] $Container) {
        # SHA-256 of the first MiB of a container: the three metadata copies and the reserved area.
        $stream = [System.IO.File]::OpenRead($Container)
        try {
            $buffer = [byte[]]::new(1MB)
            $stream.ReadExactly($buffer, 0, $buffer.Length)
            return [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($buffer))
        }
        finally { $stream.Dispose() }
    }

    function Get-FileHashHex([string] $File) { (Get-FileHash -LiteralPath $File -Algorithm SHA256).Hash }

    function Get-UnixMode([string] $Item) { [Convert]::ToString([int] [System.IO.File]::GetUnixFileMode($Item), 8) }

    function Read-Escrow([string] $EscrowDir, [guid] $VolumeId) {
        Get-Content -Raw -LiteralPath (Join-Path $EscrowDir "$VolumeId.json") | ConvertFrom-Json -DateKind String
    }

    function ConvertTo-Secure([string] $Text) { ConvertTo-SecureString -String $Text -AsPlainText -Force }

    function Test-Unlocks([string] $Container, [string] $RecoveryPassword) {
        # $true when the recovery password opens the volume (read-only check, no mount).
        try {
            $null = Unlock-BlockCryptVolume -Path $Container -UnlockRecoveryPassword (ConvertTo-Secure $RecoveryPassword) -ErrorAction Stop
            return $true
        }
        catch { return $false }
    }

    function Write-Damage([string] $Container, [long] $Offset, [int] $Count = 16) {
        $stream = [System.IO.File]::Open($Container, 'Open', 'ReadWrite')
        try {
            $stream.Position = $Offset
            $stream.Write([System.Security.Cryptography.RandomNumberGenerator]::GetBytes($Count), 0, $Count)
            $stream.Flush($true)
        }
        finally { $stream.Dispose() }
    }

    function Dismount-Under([string] $Directory) {
        # Dismounts the session's mounts below a test directory (even when a test failed half way).
        foreach ($v in @(Get-BlockCryptVolume -ErrorAction SilentlyContinue)) {
            if ($v.MountPoint -and $v.MountPoint.StartsWith($Directory)) {
                Dismount-BlockCryptVolume -MountPoint $v.MountPoint -Confirm:$false -ErrorAction SilentlyContinue
            }
        }
    }
}

Describe 'Provisioning scripts (static)' {
    It 'Help_EveryScript_HasSynopsisExamplesAndEveryParameterDescribed' {
        foreach ($script in $NewProvisioned, $RotateKeys, $TestHealth) {
            $help = Get-Help $script -Full
            $help.Synopsis | Should -Not -Match '\.ps1 \[' -Because "$script needs comment-based help"
            @($help.examples.example).Count | Should -BeGreaterOrEqual 2 -Because $script
            $declared = (Get-Command $script).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_ -notin [System.Management.Automation.PSCmdlet]::OptionalCommonParameters }
            foreach ($name in $declared) {
                $p = $help.parameters.parameter | Where-Object name -EQ $name
                ($p.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "$script -$name needs a description"
            }
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($script, [ref] $null, [ref] $null)
            @($ast.ParamBlock.Attributes.TypeName.Name) | Should -Contain 'CmdletBinding' -Because "$script is an advanced script"
            (Get-Command $script).Parameters.ContainsKey('WhatIf') | Should -BeTrue -Because "$script supports ShouldProcess"
        }
    }

    It 'UsageGuide_PowerShellBlocks_UseRealCmdletsScriptsAndParameters' {
        # Every BlockCrypt cmdlet or provisioning script called in docs/usage.md exists and takes the parameters used.
        $guide = Get-Content -Raw (Join-Path (Get-BlockCryptRepoRoot) 'docs/usage.md')
        $blocks = [regex]::Matches($guide, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value }
        @($blocks).Count | Should -BeGreaterThan 5
        $checked = 0
        foreach ($block in $blocks) {
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($block, [ref] $null, [ref] $errors)
            $errors | Should -BeNullOrEmpty -Because "a PowerShell block of usage.md must parse: $block"
            foreach ($call in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $call.GetCommandName()
                if (-not $name) { continue }
                $command = if ($name -like '*BlockCrypt*-*' -or $name -like '*-BlockCrypt*') { Get-Command $name -Module BlockCrypt -ErrorAction SilentlyContinue }
                elseif ($name -like './tools/provisioning/*.ps1') { Get-Command (Join-Path (Get-BlockCryptRepoRoot) $name) }
                else { continue }
                $command | Should -Not -BeNullOrEmpty -Because "usage.md calls $name"
                foreach ($parameter in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    $command.Parameters.Keys | Should -Contain $parameter.ParameterName -Because "usage.md passes -$($parameter.ParameterName) to $name"
                }
                $checked++
            }
        }
        $checked | Should -BeGreaterThan 25
    }

    It 'Commands_EveryScript_UsesOnlyModuleCmdletsPowerShellAndFsck' {
        $moduleCmdlets = @((Get-Module BlockCrypt).ExportedCmdlets.Keys)
        $helpers = Join-Path $Provisioning 'ProvisioningHelpers.ps1'
        $files = @($NewProvisioned, $RotateKeys, $TestHealth, $helpers)
        $defined = @(foreach ($f in $files) {
                $ast = [System.Management.Automation.Language.Parser]::ParseFile($f, [ref] $null, [ref] $null)
                $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true).Name
            })
        foreach ($script in $files) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($script, [ref] $null, [ref] $null)
            $names = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) |
                    ForEach-Object { $_.GetCommandName() } | Where-Object { $_ } | Sort-Object -Unique)
            foreach ($name in $names) {
                if ($name -in $moduleCmdlets -or $name -in $defined -or $name -eq 'fsck.fat') { continue }
                $cmd = Get-Command $name -ErrorAction SilentlyContinue
                $cmd | Should -Not -BeNullOrEmpty -Because "$name in $script must be a known command"
                $cmd.CommandType | Should -BeIn @('Cmdlet', 'Function', 'Alias') -Because "$name in $script must not be an external program"
                $cmd.Source | Should -BeLike 'Microsoft.PowerShell.*' -Because "$name in $script must be a PowerShell or BlockCrypt command"
            }
        }
    }
}

Describe 'New-ProvisionedVolume.ps1' {
    BeforeAll {
        $tpm = Start-TestSwtpm
        $dir = New-TestDirectory -Prefix 'bc-prov'
        $escrow = Join-Path $dir 'escrow'
        $container = Join-Path $dir 'data.bcv'
        $mnt = Join-Path $dir 'mnt'
        $common = @{ Path = $container; Size = '300MiB'; EscrowPath = $escrow; MountPoint = $mnt; Pcr = 7, 11; TpmDevice = $tpm.Tcti; Label = 'PROV' } + $Kdf
    }
    AfterAll {
        Dismount-Under $dir
        Stop-TestSwtpm $tpm
        Remove-TestDirectory $dir
    }

    It 'Run_WhatIf_CreatesNothing' {
        $r = & $NewProvisioned @common -WhatIf
        $r.Status | Should -Be 'WhatIf'
        $r.Changed | Should -BeFalse
        $r.Actions | Should -Contain 'CreateVolume'
        $r.Actions | Should -Contain 'EscrowRecoveryPassword'
        $r.Actions | Should -Contain 'Mount'
        Test-Path $container | Should -BeFalse
        Test-Path $escrow | Should -BeFalse
        Test-Path $mnt | Should -BeFalse
    }

    It 'Run_NewPath_CreatesTpmAndEscrowedRecoveryAndMounts' {
        $r = & $NewProvisioned @common
        $r.PSObject.TypeNames | Should -Contain 'BlockCrypt.ProvisionedVolume'
        $r.Status | Should -Be 'Provisioned'
        $r.Changed | Should -BeTrue
        $r.Actions | Should -Be @('CreatedVolume', 'AddedTpmProtector', 'AddedRecoveryPassword', 'EscrowedRecoveryPassword', 'CreatedMountPoint', 'Mounted')
        $r.CapacityBytes | Should -Be (300 * 1MB)
        $r.Pcr | Should -Be @(7, 11)
        $r.LockStatus | Should -Be 'Mounted'
        $r.MountPoint | Should -Be $mnt

        $protectors = @(Get-BlockCryptKeyProtector -Path $container)
        @($protectors | Where-Object KeyProtectorType -EQ 'Tpm').Count | Should -Be 1
        ($protectors | Where-Object KeyProtectorType -EQ 'Tpm').Pcr | Should -Be @(7, 11)
        $recovery = @($protectors | Where-Object KeyProtectorType -EQ 'RecoveryPassword')
        $recovery.Count | Should -Be 1
        $recovery[0].KeyProtectorId | Should -Be $r.RecoveryProtectorId
        $recovery[0].RecoveryPassword | Should -BeNullOrEmpty

        # The mount works: a file written through it is there.
        Set-Content -LiteralPath (Join-Path $mnt 'hello.txt') -Value 'provisioned'
        Get-Content -LiteralPath (Join-Path $mnt 'hello.txt') | Should -Be 'provisioned'
    }

    It 'Run_NewPath_EscrowFileIsOwnerOnlyAndHoldsAWorkingPassword' {
        $volumeId = (Get-BlockCryptVolume -Path $container).VolumeId
        $file = Join-Path $escrow "$volumeId.json"
        Get-UnixMode $escrow | Should -Be '700'
        Get-UnixMode $file | Should -Be '600'
        @(Get-ChildItem -LiteralPath $escrow -Force).Name | Should -Be @("$volumeId.json")   # no temp file left

        $json = Read-Escrow $escrow $volumeId
        [guid] $json.VolumeId | Should -Be $volumeId
        $json.Path | Should -Be $container
        @($json.Records).Count | Should -Be 1
        $rec = $json.Records[0]
        [guid] $rec.KeyProtectorId | Should -Be (Get-BlockCryptKeyProtector -Path $container -KeyProtectorType RecoveryPassword).KeyProtectorId
        $rec.Status | Should -Be 'Active'
        $rec.SupersededUtc | Should -BeNullOrEmpty
        $rec.CreatedUtc | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
        $rec.RecoveryPassword | Should -Match $RecoveryPattern
        Test-Unlocks $container $rec.RecoveryPassword | Should -BeTrue
    }

    It 'Rerun_Provisioned_ChangesNothingAndSaysSo' {
        $volumeId = (Get-BlockCryptVolume -Path $container).VolumeId
        $escrowFile = Join-Path $escrow "$volumeId.json"
        $metaBefore = Get-MetadataHash $container
        $escrowBefore = Get-FileHashHex $escrowFile

        $r = & $NewProvisioned @common
        $r.Status | Should -Be 'AlreadyProvisioned'
        $r.Changed | Should -BeFalse
        $r.Actions | Should -BeNullOrEmpty
        $r.Message | Should -Match 'nothing changed'
        $r.LockStatus | Should -Be 'Mounted'

        Get-MetadataHash $container | Should -Be $metaBefore
        Get-FileHashHex $escrowFile | Should -Be $escrowBefore
        Get-Content -LiteralPath (Join-Path $mnt 'hello.txt') | Should -Be 'provisioned'
    }

    It 'Rerun_ProvisionedWithWhatIf_ReportsAlreadyProvisioned' {
        $metaBefore = Get-MetadataHash $container
        $r = & $NewProvisioned @common -WhatIf
        $r.Status | Should -Be 'AlreadyProvisioned'
        Get-MetadataHash $container | Should -Be $metaBefore
    }

    It 'Rerun_OtherPcrs_WarnsAndLeavesTheProtector' {
        $metaBefore = Get-MetadataHash $container
        $args2 = $common.Clone(); $args2.Pcr = @(7)
        $r = & $NewProvisioned @args2 -WarningVariable warned -WarningAction SilentlyContinue
        $r.Status | Should -Be 'AlreadyProvisioned'
        $r.Warnings | Should -Match 'sealed to PCRs 7,11, not 7'
        $warned | Should -Not -BeNullOrEmpty
        Get-MetadataHash $container | Should -Be $metaBefore
    }

    It 'Rerun_EscrowRecordLost_AddsAndEscrowsANewRecoveryPassword' {
        $volumeId = (Get-BlockCryptVolume -Path $container).VolumeId
        $oldId = (Get-BlockCryptKeyProtector -Path $container -KeyProtectorType RecoveryPassword).KeyProtectorId
        Remove-Item -LiteralPath (Join-Path $escrow "$volumeId.json")

        $r = & $NewProvisioned @common -WarningAction SilentlyContinue
        $r.Status | Should -Be 'Repaired'
        $r.Actions | Should -Be @('AddedRecoveryPassword', 'EscrowedRecoveryPassword')
        $r.RecoveryProtectorId | Should -Not -Be $oldId
        $r.Warnings | Should -Match "Recovery protector $oldId has no Active escrow record"

        $json = Read-Escrow $escrow $volumeId
        @($json.Records).Count | Should -Be 1
        [guid] $json.Records[0].KeyProtectorId | Should -Be $r.RecoveryProtectorId
        Get-UnixMode (Join-Path $escrow "$volumeId.json") | Should -Be '600'
        Test-Unlocks $container $json.Records[0].RecoveryPassword | Should -BeTrue

        # Leave the volume tidy for the next tests: the unescrowed protector goes.
        Remove-BlockCryptKeyProtector -Path $container -KeyProtectorId $oldId -UnlockWithTpm -TpmDevice $tpm.Tcti -Confirm:$false
    }

    It 'Rerun_EscrowFileReadableByOthers_RestrictsItTo0600' {
        $volumeId = (Get-BlockCryptVolume -Path $container).VolumeId
        $file = Join-Path $escrow "$volumeId.json"
        [System.IO.File]::SetUnixFileMode($file, [System.IO.UnixFileMode] 'UserRead, UserWrite, GroupRead, OtherRead')
        $metaBefore = Get-MetadataHash $container

        $r = & $NewProvisioned @common
        $r.Status | Should -Be 'Repaired'
        $r.Actions | Should -Be @('RestrictedEscrowFile')
        Get-UnixMode $file | Should -Be '600'
        Get-MetadataHash $container | Should -Be $metaBefore
    }

    It 'Rerun_NotMounted_MountsAgain' {
        Dismount-BlockCryptVolume -MountPoint $mnt -Confirm:$false
        $r = & $NewProvisioned @common
        $r.Status | Should -Be 'Repaired'
        $r.Actions | Should -Be @('Mounted')
        Get-Content -LiteralPath (Join-Path $mnt 'hello.txt') | Should -Be 'provisioned'
    }

    It 'Rerun_MountedByAnotherPowerShellProcess_ChangesNothingAndHealthWalksThatMount' {
        # A second PowerShell process provisions and mounts (as a service would) and keeps running.
        $c = Join-Path $dir 'served.bcv'
        $m = Join-Path $dir 'served-mnt'
        $keep = Join-Path $dir 'child.keep'
        Set-Content -LiteralPath $keep -Value 'x'
        $kdfText = "-KdfMemoryKiB $($Kdf.KdfMemoryKiB) -KdfIterations $($Kdf.KdfIterations)"
        Set-Content -LiteralPath (Join-Path $dir 'child.ps1') -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$PSScriptRoot/TestHelpers.psm1'; Import-BlockCryptModule
`$r = & '$NewProvisioned' -Path '$c' -Size 300MiB -EscrowPath '$escrow' -MountPoint '$m' -TpmDevice '$($tpm.Tcti)' $kdfText
Set-Content -LiteralPath '$m/ready.txt' -Value `$r.Status
while (Test-Path -LiteralPath '$keep') { Start-Sleep -Milliseconds 100 }
"@
        $child = Start-Process -FilePath dotnet -ArgumentList 'pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $dir 'child.ps1') `
            -WorkingDirectory (Get-BlockCryptRepoRoot) -PassThru -RedirectStandardOutput (Join-Path $dir 'child.out') -RedirectStandardError (Join-Path $dir 'child.err')
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path (Join-Path $m 'ready.txt')) -and -not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-Content -LiteralPath (Join-Path $m 'ready.txt') -ErrorAction SilentlyContinue |
                Should -Be 'Provisioned' -Because (Get-Content -Raw (Join-Path $dir 'child.err') -ErrorAction SilentlyContinue)
            $metaBefore = Get-MetadataHash $c

            $r = & $NewProvisioned -Path $c -Size 300MiB -EscrowPath $escrow -MountPoint $m -TpmDevice $tpm.Tcti @Kdf
            $r.Status | Should -Be 'AlreadyProvisioned'
            $r.LockStatus | Should -Be 'Mounted'
            $r.MountPoint | Should -Be $m
            Get-MetadataHash $c | Should -Be $metaBefore

            $h = & $TestHealth -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti -ReadFiles
            $h.FileSystemStatus | Should -Be 'Clean'
            $h.Healthy | Should -BeTrue
        }
        finally {
            Remove-Item -LiteralPath $keep -ErrorAction SilentlyContinue
            if (-not $child.WaitForExit(30000)) { $child.Kill() }
            if (& findmnt -rn -o TARGET | Where-Object { $_ -eq $m }) { & fusermount3 -u -z $m }
        }
        # The child's exit dismounted its volume.
        (Get-BlockCryptVolume -Path $c).LockStatus | Should -Be 'Locked'
    }

    It 'Run_VolumeWithOnlyATpmProtector_CompletesTheInterruptedProvisioning' {
        # State left by a crash right after the volume was created: TPM protector, no recovery password yet.
        $c = Join-Path $dir 'tpm-only.bcv'
        $null = New-BlockCryptVolume -Path $c -Size 64MiB -FileSystem None -TpmProtector -Pcr 7 -TpmDevice $tpm.Tcti @Kdf -Confirm:$false
        $r = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti @Kdf
        $r.Status | Should -Be 'Repaired'
        $r.Actions | Should -Be @('AddedRecoveryPassword', 'EscrowedRecoveryPassword')
        $json = Read-Escrow $escrow $r.VolumeId
        Test-Unlocks $c $json.Records[0].RecoveryPassword | Should -BeTrue
    }

    It 'Run_VolumeWithoutTpmProtector_AddsOneUnlockingWithTheEscrowedPassword' {
        $c = Join-Path $dir 'no-tpm.bcv'
        $v = New-BlockCryptVolume -Path $c -Size 64MiB -FileSystem None -RecoveryPasswordProtector @Kdf -Confirm:$false -WarningAction SilentlyContinue
        $p = @($v.KeyProtector)[0]
        $null = Backup-BlockCryptKeyProtector -Path $c -KeyProtectorId $p.KeyProtectorId -RecoveryPassword (ConvertTo-Secure $p.RecoveryPassword) -EscrowPath $escrow -Confirm:$false

        $r = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $escrow -Pcr 7 -TpmDevice $tpm.Tcti @Kdf
        $r.Status | Should -Be 'Repaired'
        $r.Actions | Should -Be @('AddedTpmProtector')
        $r.Pcr | Should -Be @(7)
        { Unlock-BlockCryptVolume -Path $c -UnlockWithTpm -TpmDevice $tpm.Tcti -ErrorAction Stop } | Should -Not -Throw
    }

    It 'Run_EscrowFailsDuringProvisioning_ReportsWhatWasDoneAndARerunCompletes' {
        # A failure part way: the escrow store is read-only when the recovery password is to be escrowed.
        $c = Join-Path $dir 'interrupted.bcv'
        $ro = Join-Path $dir 'ro-escrow'
        $null = New-Item -ItemType Directory -Path $ro
        & mount --bind $ro $ro
        $LASTEXITCODE | Should -Be 0
        try {
            & mount -o remount,bind,ro $ro
            $LASTEXITCODE | Should -Be 0
            $err = $null
            try { & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $ro -TpmDevice $tpm.Tcti @Kdf }
            catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.ErrorDetails.Message | Should -Match 'done before the failure: CreatedVolume, AddedTpmProtector, AddedRecoveryPassword'
        }
        finally {
            & umount $ro
        }
        @(Get-ChildItem -LiteralPath $ro -Force) | Should -BeNullOrEmpty

        $r = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $ro -TpmDevice $tpm.Tcti @Kdf -WarningAction SilentlyContinue
        $r.Status | Should -Be 'Repaired'
        $r.Actions | Should -Be @('AddedRecoveryPassword', 'EscrowedRecoveryPassword')
        @($r.Warnings).Count | Should -Be 1
        $json = Read-Escrow $ro $r.VolumeId
        Test-Unlocks $c $json.Records[0].RecoveryPassword | Should -BeTrue
    }

    It 'Run_FileThatIsNotAVolume_IsRefusedAndUntouched' {
        $c = Join-Path $dir 'random.bin'
        [System.IO.File]::WriteAllBytes($c, [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(2MB))
        $before = Get-FileHashHex $c
        { & $NewProvisioned -Path $c -Size 2MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti } |
            Should -Throw -ErrorId 'BlockCrypt.Provisioning.NotAVolume*'
        Get-FileHashHex $c | Should -Be $before
    }

    It 'Run_ExistingVolumeOfAnotherSize_IsRefused' {
        $metaBefore = Get-MetadataHash $container
        $args2 = $common.Clone(); $args2.Size = '400MiB'
        { & $NewProvisioned @args2 } | Should -Throw -ErrorId 'BlockCrypt.Provisioning.SizeMismatch*'
        Get-MetadataHash $container | Should -Be $metaBefore
    }

    It 'Run_InvalidParameters_AreRejectedBeforeAnything' {
        { & $NewProvisioned -Path (Join-Path $dir 'x.bcv') -Size 1GiB -EscrowPath $escrow -Pcr 24 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { & $NewProvisioned -Path (Join-Path $dir 'x.bcv') -Size 'lots' -EscrowPath $escrow } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { & $NewProvisioned -Path (Join-Path $dir 'x.bcv') -Size 1GiB -EscrowPath $escrow -SectorSize 1024 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        Test-Path (Join-Path $dir 'x.bcv') | Should -BeFalse
    }
}

Describe 'Invoke-KeyRotation.ps1' {
    BeforeAll {
        $tpm = Start-TestSwtpm
        $dir = New-TestDirectory -Prefix 'bc-rot'
        $escrow = Join-Path $dir 'escrow'
        $n = 0
        function New-Provisioned {
            # A TPM + escrowed recovery password volume (bare, 64 MiB), as New-ProvisionedVolume.ps1 makes it.
            $script:n++
            $c = Join-Path $dir "vol$($script:n).bcv"
            $r = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti @Kdf
            $r.Status | Should -Be 'Provisioned'
            return $r
        }
    }
    AfterAll {
        Dismount-Under $dir
        Stop-TestSwtpm $tpm
        Remove-TestDirectory $dir
    }

    It 'Run_ProvisionedVolume_NewRecoveryEscrowedOldRemovedAndSuperseded' {
        $p = New-Provisioned
        $oldPassword = (Read-Escrow $escrow $p.VolumeId).Records[0].RecoveryPassword
        $tpmId = $p.TpmProtectorId

        $r = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf
        $r.PSObject.TypeNames | Should -Contain 'BlockCrypt.KeyRotationResult'
        $r.Status | Should -Be 'Rotated'
        $r.Actions[0] | Should -Be 'RotatedVolumeMasterKey'
        $r.SupersededProtectorId | Should -Be @($p.RecoveryProtectorId)
        $r.NewRecoveryProtectorId | Should -Not -Be $p.RecoveryProtectorId

        $protectors = @(Get-BlockCryptKeyProtector -Path $p.Path)
        @($protectors | Where-Object KeyProtectorType -EQ 'RecoveryPassword').KeyProtectorId | Should -Be @($r.NewRecoveryProtectorId)
        @($protectors | Where-Object KeyProtectorType -EQ 'Tpm').KeyProtectorId | Should -Be @($tpmId)

        $json = Read-Escrow $escrow $p.VolumeId
        @($json.Records).Count | Should -Be 2
        $old = $json.Records | Where-Object { [guid] $_.KeyProtectorId -eq $p.RecoveryProtectorId }
        $new = $json.Records | Where-Object { [guid] $_.KeyProtectorId -eq $r.NewRecoveryProtectorId }
        $old.Status | Should -Be 'Superseded'
        $old.SupersededUtc | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
        $old.RecoveryPassword | Should -Be $oldPassword
        $new.Status | Should -Be 'Active'
        $new.RecoveryPassword | Should -Match $RecoveryPattern
        Get-UnixMode $r.EscrowFile | Should -Be '600'

        Test-Unlocks $p.Path $new.RecoveryPassword | Should -BeTrue
        Test-Unlocks $p.Path $oldPassword | Should -BeFalse
        { Unlock-BlockCryptVolume -Path $p.Path -UnlockWithTpm -TpmDevice $tpm.Tcti -ErrorAction Stop } | Should -Not -Throw
    }

    It 'Run_Twice_EachRunSupersedesThePrevious' {
        $p = New-Provisioned
        $first = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf
        $second = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf
        $second.SupersededProtectorId | Should -Be @($first.NewRecoveryProtectorId)
        $json = Read-Escrow $escrow $p.VolumeId
        @($json.Records | Where-Object Status -EQ 'Active').KeyProtectorId | Should -Be @("$($second.NewRecoveryProtectorId)")
        @($json.Records | Where-Object Status -EQ 'Superseded').Count | Should -Be 2
    }

    It 'Run_WhatIf_ChangesNothing' {
        $p = New-Provisioned
        $metaBefore = Get-MetadataHash $p.Path
        $escrowBefore = Get-FileHashHex $p.EscrowFile
        $r = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -WhatIf @Kdf
        $r.Status | Should -Be 'WhatIf'
        $r.Actions | Should -Contain 'rotate the volume master key'
        Get-MetadataHash $p.Path | Should -Be $metaBefore
        Get-FileHashHex $p.EscrowFile | Should -Be $escrowBefore
    }

    It 'Run_CrashAfterAddingTheNewPasswordBeforeEscrow_StopsUntouchedThenCompletesWithTheSwitch' {
        # A crash between "add the new recovery protector" and "escrow it" leaves a protector nobody knows.
        $p = New-Provisioned
        $orphan = Add-BlockCryptKeyProtector -Path $p.Path -UnlockWithTpm -TpmDevice $tpm.Tcti -RecoveryPasswordProtector @Kdf -Confirm:$false -WarningAction SilentlyContinue
        $oldPassword = (Read-Escrow $escrow $p.VolumeId).Records[0].RecoveryPassword
        $metaBefore = Get-MetadataHash $p.Path

        { & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf } |
            Should -Throw -ErrorId 'BlockCrypt.Provisioning.UnescrowedRecoveryProtector*'
        Get-MetadataHash $p.Path | Should -Be $metaBefore
        Test-Unlocks $p.Path $oldPassword | Should -BeTrue

        $r = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -RemoveUnescrowedRecoveryProtector -Confirm:$false @Kdf
        $r.Status | Should -Be 'Rotated'
        $r.RemovedUnescrowedProtectorId | Should -Be @($orphan.KeyProtectorId)
        @(Get-BlockCryptKeyProtector -Path $p.Path -KeyProtectorType RecoveryPassword).KeyProtectorId | Should -Be @($r.NewRecoveryProtectorId)
    }

    It 'Run_EscrowWriteFailsMidRotation_OldEscrowedPasswordStillOpensAndARerunCompletes' {
        # A real failure in the middle of a run: the escrow store turns read-only (a read-only bind mount) after the
        # checks, so the rotation and the new protector happen but escrowing the new password fails.
        $p = New-Provisioned
        $oldPassword = (Read-Escrow $escrow $p.VolumeId).Records[0].RecoveryPassword
        $escrowBefore = Get-FileHashHex $p.EscrowFile
        & mount --bind $escrow $escrow
        $LASTEXITCODE | Should -Be 0
        try {
            & mount -o remount,bind,ro $escrow
            $LASTEXITCODE | Should -Be 0
            $err = $null
            try { & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf }
            catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.*'
            $err.ErrorDetails.Message | Should -Match 'done before the failure: RotatedVolumeMasterKey, AddedRecoveryPassword'
        }
        finally {
            & umount $escrow
        }
        # The invariant: the escrowed (old) password is Active and still opens the volume.
        Get-FileHashHex $p.EscrowFile | Should -Be $escrowBefore
        Test-Unlocks $p.Path $oldPassword | Should -BeTrue
        @(Get-BlockCryptKeyProtector -Path $p.Path -KeyProtectorType RecoveryPassword).Count | Should -Be 2

        { & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf } |
            Should -Throw -ErrorId 'BlockCrypt.Provisioning.UnescrowedRecoveryProtector*'
        $r = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -RemoveUnescrowedRecoveryProtector -Confirm:$false @Kdf
        $r.Status | Should -Be 'Rotated'
        $new = (Read-Escrow $escrow $p.VolumeId).Records | Where-Object Status -EQ 'Active'
        @($new).Count | Should -Be 1
        Test-Unlocks $p.Path $new.RecoveryPassword | Should -BeTrue
        @(Get-BlockCryptKeyProtector -Path $p.Path -KeyProtectorType RecoveryPassword).KeyProtectorId | Should -Be @($r.NewRecoveryProtectorId)
    }

    It 'Run_CrashAfterRemovingTheOldProtectorBeforeMarking_NextRunMarksIt' {
        # A crash between "remove the old recovery protector" and "mark its record Superseded".
        $p = New-Provisioned
        $b = Add-BlockCryptKeyProtector -Path $p.Path -UnlockWithTpm -TpmDevice $tpm.Tcti -RecoveryPasswordProtector @Kdf -Confirm:$false -WarningAction SilentlyContinue
        $null = Backup-BlockCryptKeyProtector -Path $p.Path -KeyProtectorId $b.KeyProtectorId -RecoveryPassword (ConvertTo-Secure $b.RecoveryPassword) -EscrowPath $escrow -Confirm:$false
        Remove-BlockCryptKeyProtector -Path $p.Path -KeyProtectorId $p.RecoveryProtectorId -UnlockWithTpm -TpmDevice $tpm.Tcti -Confirm:$false
        ((Read-Escrow $escrow $p.VolumeId).Records | Where-Object { [guid] $_.KeyProtectorId -eq $p.RecoveryProtectorId }).Status | Should -Be 'Active'
        # The invariant holds in this state: an Active escrowed password opens the volume.
        Test-Unlocks $p.Path $b.RecoveryPassword | Should -BeTrue

        $r = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf
        $r.Status | Should -Be 'Rotated'
        $r.SupersededProtectorId | Should -Be @($b.KeyProtectorId)
        $json = Read-Escrow $escrow $p.VolumeId
        @($json.Records | Where-Object Status -EQ 'Active').KeyProtectorId | Should -Be @("$($r.NewRecoveryProtectorId)")
        ($json.Records | Where-Object { [guid] $_.KeyProtectorId -eq $p.RecoveryProtectorId }).Status | Should -Be 'Superseded'
    }

    It 'Run_TpmUnreachable_FailsBeforeChangingAnything' {
        $p = New-Provisioned
        $metaBefore = Get-MetadataHash $p.Path
        $escrowBefore = Get-FileHashHex $p.EscrowFile
        { & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice 'swtpm:127.0.0.1:1' -Confirm:$false @Kdf } |
            Should -Throw -ErrorId 'BlockCrypt.*'
        Get-MetadataHash $p.Path | Should -Be $metaBefore
        Get-FileHashHex $p.EscrowFile | Should -Be $escrowBefore
    }

    It 'Run_PasswordProtectorWithoutItsSecret_RefusedThenRotatesWithIt' {
        $p = New-Provisioned
        $pass = ConvertTo-Secure 'correct horse battery staple'
        $null = Add-BlockCryptKeyProtector -Path $p.Path -UnlockWithTpm -TpmDevice $tpm.Tcti -PasswordProtector -Password $pass @Kdf -Confirm:$false
        $metaBefore = Get-MetadataHash $p.Path
        { & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf } |
            Should -Throw -ErrorId 'BlockCrypt.Provisioning.SecretMissing*'
        Get-MetadataHash $p.Path | Should -Be $metaBefore

        $r = & $RotateKeys -Path $p.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -UnlockPassword $pass -Confirm:$false @Kdf
        $r.Status | Should -Be 'Rotated'
        { Unlock-BlockCryptVolume -Path $p.Path -UnlockPassword $pass -ErrorAction Stop } | Should -Not -Throw
    }

    It 'Run_TpmPinProtector_NeedsThePin' {
        $pin = ConvertTo-Secure '2468'
        $c = Join-Path $dir 'pin.bcv'
        $p = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti -TpmPin $pin @Kdf
        (Get-BlockCryptKeyProtector -Path $c | Where-Object KeyProtectorType -Like 'Tpm*').KeyProtectorType | Should -Be 'TpmPin'
        { & $RotateKeys -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf } |
            Should -Throw -ErrorId 'BlockCrypt.Provisioning.SecretMissing*'
        $r = & $RotateKeys -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti -TpmPin $pin -Confirm:$false @Kdf
        $r.Status | Should -Be 'Rotated'
        { Unlock-BlockCryptVolume -Path $c -UnlockWithTpm -UnlockPin $pin -TpmDevice $tpm.Tcti -ErrorAction Stop } | Should -Not -Throw
        $again = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti -TpmPin $pin @Kdf
        $again.Status | Should -Be 'AlreadyProvisioned'
    }

    It 'Run_NoEscrowRecord_IsRefused' {
        $c = Join-Path $dir 'unescrowed.bcv'
        $null = New-BlockCryptVolume -Path $c -Size 64MiB -FileSystem None -TpmProtector -TpmDevice $tpm.Tcti @Kdf -Confirm:$false
        { & $RotateKeys -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti -Confirm:$false @Kdf } |
            Should -Throw -ErrorId 'BlockCrypt.Provisioning.NoEscrowedRecovery*'
    }
}

Describe 'Test-VolumeHealth.ps1' {
    BeforeAll {
        $tpm = Start-TestSwtpm
        $dir = New-TestDirectory -Prefix 'bc-health'
        $escrow = Join-Path $dir 'escrow'
        $mnt = Join-Path $dir 'mnt'
        $fat = & $NewProvisioned -Path (Join-Path $dir 'fat.bcv') -Size 300MiB -EscrowPath $escrow -MountPoint $mnt -TpmDevice $tpm.Tcti @Kdf
        Set-Content -LiteralPath (Join-Path $mnt 'a.txt') -Value 'alpha'
        $null = New-Item -ItemType Directory -Path (Join-Path $mnt 'sub')
        [System.IO.File]::WriteAllBytes((Join-Path $mnt 'sub/b.bin'), [byte[]]::new(3MB))
        $n = 0
        function New-Bare {
            $script:n++
            & $NewProvisioned -Path (Join-Path $dir "bare$($script:n).bcv") -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti @Kdf
        }
    }
    AfterAll {
        Dismount-Under $dir
        Stop-TestSwtpm $tpm
        Remove-TestDirectory $dir
    }

    It 'Run_ProvisionedMountedVolume_IsHealthy' {
        $h = & $TestHealth -Path $fat.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti -ReadFiles
        $h.PSObject.TypeNames | Should -Contain 'BlockCrypt.VolumeHealth'
        $h.Findings | Should -BeNullOrEmpty
        $h.Healthy | Should -BeTrue
        $h.MetadataCopiesValid | Should -Be 3
        $h.ProtectionStatus | Should -Be 'On'
        $h.TpmStatus | Should -Be 'Unseals'
        $h.RecoveryPasswordEscrowed | Should -BeTrue
        $h.FileSystemStatus | Should -Be 'Clean'
        @($h.Protectors).Count | Should -Be 2
        ($h.Protectors | Where-Object KeyProtectorType -EQ 'RecoveryPassword').Escrowed | Should -BeTrue
    }

    It 'Run_DamagedMetadataCopy_ReportsItWithoutRepairing' {
        $b = New-Bare
        Write-Damage $b.Path (256KB + 80)
        $damaged = Get-MetadataHash $b.Path

        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.Healthy | Should -BeFalse
        $h.MetadataCopiesValid | Should -Be 2
        ($h.Findings | Where-Object Check -EQ 'Metadata').Severity | Should -Be 'Error'
        ($h.Findings | Where-Object Check -EQ 'Metadata').Message | Should -Match '2 of 3 metadata copies'
        $h.TpmStatus | Should -Be 'Unseals'
        # The check is read-only: the damaged copy is still there for the administrator to see.
        Get-MetadataHash $b.Path | Should -Be $damaged
    }

    It 'Run_EveryMetadataCopyDestroyed_UnhealthyWithoutThrowing' {
        $b = New-Bare
        Write-Damage $b.Path 0 (1MB)
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.Healthy | Should -BeFalse
        $h.MetadataCopiesValid | Should -Be 0
        ($h.Findings | Where-Object Check -EQ 'Metadata').Message | Should -Match 'cannot be read'
    }

    It 'Run_AfterPcrChange_ReportsPcrMismatch' {
        $b = New-Bare
        Invoke-TestPcrExtend -Swtpm $tpm -Pcr 7
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.Healthy | Should -BeFalse
        $h.TpmStatus | Should -Be 'PcrMismatch'
        ($h.Protectors | Where-Object KeyProtectorType -EQ 'Tpm').TpmStatus | Should -Be 'PcrMismatch'
        ($h.Findings | Where-Object Check -EQ 'Tpm').Message | Should -Match 'TpmPcrMismatch'
        ($h.Findings | Where-Object Check -EQ 'Tpm').Message | Should -Match 'Suspend-BlockCryptVolume then Resume-BlockCryptVolume'
        $h.RecoveryPasswordEscrowed | Should -BeTrue
    }

    It 'Run_WhatIf_SkipsEveryUnlock' {
        $b = New-Bare
        $metaBefore = Get-MetadataHash $b.Path
        # An unreachable TPM would fail the check: with -WhatIf it is not even tried.
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice 'swtpm:127.0.0.1:1' -TemporaryMountPoint (Join-Path $dir 'never') -WhatIf
        $h.TpmStatus | Should -Be 'Skipped'
        $h.FileSystemStatus | Should -Be 'Skipped'
        $h.Healthy | Should -BeTrue
        Test-Path (Join-Path $dir 'never') | Should -BeFalse
        Get-MetadataHash $b.Path | Should -Be $metaBefore
    }

    It 'Run_SuspendedVolume_IsUnhealthyAndProvisioningOnlyWarns' {
        $b = New-Bare
        $null = Suspend-BlockCryptVolume -Path $b.Path -UnlockWithTpm -TpmDevice $tpm.Tcti -Confirm:$false
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.ProtectionStatus | Should -Be 'Suspended'
        $h.Healthy | Should -BeFalse
        ($h.Findings | Where-Object Check -EQ 'Protection').Severity | Should -Be 'Error'

        $metaBefore = Get-MetadataHash $b.Path
        $r = & $NewProvisioned -Path $b.Path -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti @Kdf -WarningAction SilentlyContinue
        $r.Status | Should -Be 'AlreadyProvisioned'
        $r.Warnings | Should -Match 'suspended'
        Get-MetadataHash $b.Path | Should -Be $metaBefore

        $null = Resume-BlockCryptVolume -Path $b.Path -UnlockWithTpm -TpmDevice $tpm.Tcti -Confirm:$false
        (& $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti).Healthy | Should -BeTrue
    }

    It 'Run_EscrowProblems_AreFindings' {
        $b = New-Bare
        $file = Join-Path $escrow "$($b.VolumeId).json"
        [System.IO.File]::SetUnixFileMode($file, [System.IO.UnixFileMode] 'UserRead, UserWrite, OtherRead')
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.Healthy | Should -BeFalse
        ($h.Findings | Where-Object Check -EQ 'Escrow').Message | Should -Match 'mode 604, not 600'

        # A wrong escrowed password (valid format) is caught by unlocking with it.
        [System.IO.File]::SetUnixFileMode($file, [System.IO.UnixFileMode] 'UserRead, UserWrite')
        $text = Get-Content -Raw -LiteralPath $file
        $real = (Read-Escrow $escrow $b.VolumeId).Records[0].RecoveryPassword
        Set-Content -LiteralPath $file -Value $text.Replace($real, '000011-000022-000033-000044-000055-000066-000077-000088') -NoNewline
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.Healthy | Should -BeFalse
        $h.RecoveryPasswordEscrowed | Should -BeFalse
        ($h.Findings | Where-Object Check -EQ 'Escrow').Message | Should -Match 'does not open the volume'

        Remove-Item -LiteralPath $file
        $h = & $TestHealth -Path $b.Path -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.Healthy | Should -BeFalse
        $h.RecoveryPasswordEscrowed | Should -BeFalse
    }

    It 'Run_TemporaryMountPoint_WalksAnUnmountedVolumeAndDismounts' {
        $c = Join-Path $dir 'walk.bcv'
        $null = & $NewProvisioned -Path $c -Size 300MiB -EscrowPath $escrow -TpmDevice $tpm.Tcti @Kdf
        $tmp = Join-Path $dir 'check'
        $h = & $TestHealth -Path $c -TpmDevice $tpm.Tcti -TemporaryMountPoint $tmp -ReadFiles
        $h.FileSystemStatus | Should -Be 'Clean'
        (Get-BlockCryptVolume -Path $c).LockStatus | Should -Be 'Locked'
        @(& findmnt -rn -o TARGET | Where-Object { $_ -eq $tmp }) | Should -BeNullOrEmpty
    }

    It 'Run_ImagePath_ChecksAPlainImageWithFsck' {
        $img = Join-Path $dir 'plain.img'
        & mkfs.fat -F 32 -C $img 300000 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $b = New-Bare
        $h = & $TestHealth -Path $b.Path -TpmDevice $tpm.Tcti -ImagePath $img
        $h.FileSystemStatus | Should -Be 'Clean'
        $h.Healthy | Should -BeTrue

        Write-Damage $img (32 * 512) 4096        # the first FAT: the two FATs now differ
        $h = & $TestHealth -Path $b.Path -TpmDevice $tpm.Tcti -ImagePath $img
        $h.FileSystemStatus | Should -Be 'Errors'
        $h.Healthy | Should -BeFalse
        ($h.Findings | Where-Object Check -EQ 'FileSystem').Message | Should -Match 'fsck.fat'
    }

    It 'Run_TpmPinProtector_TestedOnlyWithThePin' {
        $pin = ConvertTo-Secure '1357'
        $c = Join-Path $dir 'pin.bcv'
        $null = & $NewProvisioned -Path $c -Size 64MiB -FileSystem None -EscrowPath $escrow -TpmDevice $tpm.Tcti -TpmPin $pin @Kdf
        $h = & $TestHealth -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti
        $h.TpmStatus | Should -Be 'NotTested'
        ($h.Findings | Where-Object Check -EQ 'Tpm').Severity | Should -Be 'Warning'
        $h.Healthy | Should -BeTrue
        $h = & $TestHealth -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti -TpmPin $pin
        $h.TpmStatus | Should -Be 'Unseals'
        $h = & $TestHealth -Path $c -EscrowPath $escrow -TpmDevice $tpm.Tcti -TpmPin (ConvertTo-Secure '0000')
        $h.TpmStatus | Should -Be 'WrongPin'
        $h.Healthy | Should -BeFalse
    }

    It 'Run_MissingFile_WritesAnErrorRecord' {
        $h = & $TestHealth -Path (Join-Path $dir 'missing.bcv') -ErrorAction SilentlyContinue -ErrorVariable err
        $h | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.Provisioning.FileNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'Run_ManyVolumesFromThePipeline_OneObjectEach' {
        $b = New-Bare
        $all = @(Get-Item -LiteralPath $fat.Path, $b.Path | & $TestHealth -EscrowPath $escrow -TpmDevice $tpm.Tcti)
        $all.Count | Should -Be 2
        $all.Path | Should -Be @($fat.Path, $b.Path)
    }
}
