# Pester 5 tests of the BlockCrypt PowerShell module (issue 7): every cmdlet against real containers, a real swtpm,
# real FUSE mounts and tpm2-tools. Run by build.ps1 Test through tests/pester/Invoke-PesterSuite.ps1.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BlockCryptModule
    # Tiny Argon2id cost (the documented floor) so the suite stays fast.
    $script:Kdf = @{ KdfMemoryKiB = 8192; KdfIterations = 1 }
    function script:Sec([string] $Text) { ConvertTo-SecureString -String $Text -AsPlainText -Force }
    function script:New-PasswordVolume {
        [CmdletBinding()]
        param([string] $Path, [string] $Password = 'correct horse', [string] $FileSystem = 'None')
        New-BlockCryptVolume -Path $Path -Size 4MiB -FileSystem $FileSystem -PasswordProtector -Password (Sec $Password) @Kdf
    }
    function script:Get-Mode([string] $Path) { (& stat -c '%a' $Path) }
}

Describe 'Module' {
    It 'exports every cmdlet of the contract from the manifest' {
        $manifest = Test-ModuleManifest -Path (Get-BlockCryptModulePath)
        $expected = 'New-BlockCryptVolume', 'Get-BlockCryptVolume', 'Remove-BlockCryptVolume', 'Add-BlockCryptKeyProtector',
        'Remove-BlockCryptKeyProtector', 'Get-BlockCryptKeyProtector', 'Backup-BlockCryptKeyProtector', 'Unlock-BlockCryptVolume',
        'Mount-BlockCryptVolume', 'Dismount-BlockCryptVolume', 'Suspend-BlockCryptVolume', 'Resume-BlockCryptVolume',
        'Invoke-BlockCryptKeyRotation'
        @($manifest.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($expected | Sort-Object)
        @((Get-Command -Module BlockCrypt).Name | Sort-Object) | Should -Be @($expected | Sort-Object)
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'gives every cmdlet help with a synopsis, a description, examples and every visible parameter described' {
        foreach ($command in Get-Command -Module BlockCrypt) {
            $help = Get-Help $command.Name -Full
            $help.Synopsis | Should -Not -BeNullOrEmpty -Because $command.Name
            $help.Synopsis | Should -Not -BeLike "*$($command.Name) *[<]*" -Because "$($command.Name) needs a written synopsis"
            ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because $command.Name
            @($help.examples.example).Count | Should -BeGreaterOrEqual 1 -Because $command.Name
            $visible = $command.Parameters.Values | Where-Object {
                $_.Name -notin [System.Management.Automation.Cmdlet]::CommonParameters -and
                -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow })
            }
            foreach ($p in $visible) {
                $described = $help.parameters.parameter | Where-Object name -EQ $p.Name
                ($described.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "$($command.Name) -$($p.Name)"
            }
        }
    }

    It 'shows the examples of New-BlockCryptVolume in Get-Help -Full' {
        $text = Get-Help New-BlockCryptVolume -Full | Out-String -Width 200
        $text | Should -Match 'Example 1'
        $text | Should -Match 'New-BlockCryptVolume -Path ./data.bcv -Size 1GiB -PasswordProtector'
        $text | Should -Match '-RecoveryPasswordProtector'
    }

    It 'uses ShouldProcess on every cmdlet that changes something and ConfirmImpact High on removal and rotation' {
        foreach ($name in 'New-BlockCryptVolume', 'Remove-BlockCryptVolume', 'Add-BlockCryptKeyProtector', 'Remove-BlockCryptKeyProtector',
            'Backup-BlockCryptKeyProtector', 'Mount-BlockCryptVolume', 'Unlock-BlockCryptVolume', 'Dismount-BlockCryptVolume',
            'Suspend-BlockCryptVolume', 'Resume-BlockCryptVolume', 'Invoke-BlockCryptKeyRotation') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'WhatIf' -Because $name
        }
        foreach ($name in 'Remove-BlockCryptVolume', 'Remove-BlockCryptKeyProtector', 'Invoke-BlockCryptKeyRotation') {
            $attribute = (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
            $attribute.ConfirmImpact | Should -Be 'High' -Because $name
        }
    }
}

Describe 'Volumes with passphrase, recovery password and startup key' {
    BeforeAll { $script:Dir = New-TestDirectory }
    AfterAll { Remove-TestDirectory $script:Dir }

    It 'New-BlockCryptVolume -WhatIf creates nothing' {
        New-BlockCryptVolume -Path "$Dir/whatif.bcv" -Size 4MiB -FileSystem None -RecoveryPasswordProtector -WhatIf @Kdf
        Test-Path "$Dir/whatif.bcv" | Should -BeFalse
    }

    It 'creates a volume and returns a typed object with the new protector' {
        $v = New-PasswordVolume "$Dir/a.bcv"
        $v | Should -BeOfType ([BlockCrypt.PowerShell.BlockCryptVolume])
        $v.Path | Should -Be "$Dir/a.bcv"
        $v.CapacityBytes | Should -Be 4MB
        $v.SectorSize | Should -Be 4096
        $v.Cipher | Should -Be 'AES-256-XTS'
        $v.MetadataCopiesValid | Should -Be 3
        $v.ProtectionStatus | Should -Be 'On'
        $v.LockStatus | Should -Be 'Locked'
        $v.KeyProtector.Count | Should -Be 1
        $v.KeyProtector[0].KeyProtectorType | Should -Be 'Password'
        $v.KeyProtector[0].RecoveryPassword | Should -BeNullOrEmpty
        (Get-BlockCryptVolume -Path "$Dir/a.bcv").VolumeId | Should -Be $v.VolumeId
    }

    It 'refuses an existing path, a bad size and a FAT32 area too small' {
        { New-PasswordVolume "$Dir/a.bcv" -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.AlreadyExists,*'
        { New-BlockCryptVolume -Path "$Dir/b.bcv" -Size 'lots' -PasswordProtector -Password (Sec x) @Kdf -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.InvalidSize,*'
        { New-BlockCryptVolume -Path "$Dir/b.bcv" -Size 4MiB -PasswordProtector -Password (Sec x) @Kdf -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.InvalidSize,*'
        Test-Path "$Dir/b.bcv" | Should -BeFalse
    }

    It 'takes decimal sizes that come to whole bytes (1.5MiB, PowerShell''s 1.5GB) and refuses the others' {
        (New-BlockCryptVolume -Path "$Dir/dec.bcv" -Size 1.5MiB -FileSystem None -PasswordProtector -Password (Sec x) @Kdf).CapacityBytes |
            Should -Be 1572864
        { New-BlockCryptVolume -Path "$Dir/dec2.bcv" -Size 1.5GB -FileSystem None -RecoveryPasswordProtector -WhatIf -ErrorAction Stop } | Should -Not -Throw
        { New-BlockCryptVolume -Path "$Dir/dec2.bcv" -Size 1.0001KiB -FileSystem None -RecoveryPasswordProtector -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.InvalidSize,*'
        Test-Path "$Dir/dec2.bcv" | Should -BeFalse
    }

    It 'reports a directory given as a container as BlockCrypt.NotAVolume, not as access denied' {
        $err = $null
        Get-BlockCryptVolume -Path $Dir -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.NotAVolume,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match 'is a directory'
    }

    It 'reports a wrong password as BlockCrypt.WrongCredential (AuthenticationError) and a right one as unlocked' {
        $err = $null
        Unlock-BlockCryptVolume -Path "$Dir/a.bcv" -UnlockPassword (Sec 'wrong') -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.WrongCredential,*'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].Exception.Message | Should -Not -Match ' at BlockCrypt\.'
        $v = Unlock-BlockCryptVolume -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse')
        $v.MetadataAuthenticated | Should -BeTrue
        $v.LockStatus | Should -Be 'Locked'
    }

    It 'reports a file that is not a volume as BlockCrypt.NotAVolume' {
        [IO.File]::WriteAllBytes("$Dir/junk.bin", [byte[]]::new(2MB))
        { Get-BlockCryptVolume -Path "$Dir/junk.bin" -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.NotAVolume,*'
    }

    It 'adds a recovery password shown once, which then unlocks' {
        $r = Add-BlockCryptKeyProtector -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -RecoveryPasswordProtector @Kdf
        $r | Should -BeOfType ([BlockCrypt.PowerShell.BlockCryptKeyProtector])
        $r.KeyProtectorType | Should -Be 'RecoveryPassword'
        $r.RecoveryPassword | Should -Match '^(\d{6}-){7}\d{6}$'
        # Its default display is a list that always shows the password, even on an 80-column console.
        ($r | Out-String -Width 80) | Should -Match ([regex]::Escape($r.RecoveryPassword))
        $listed = Get-BlockCryptKeyProtector -Path "$Dir/a.bcv" -KeyProtectorType RecoveryPassword
        $listed.KeyProtectorId | Should -Be $r.KeyProtectorId
        $listed.RecoveryPassword | Should -BeNullOrEmpty
        (Unlock-BlockCryptVolume -Path "$Dir/a.bcv" -UnlockRecoveryPassword (Sec $r.RecoveryPassword)).VolumeId |
            Should -Be (Get-BlockCryptVolume "$Dir/a.bcv").VolumeId
        $script:Recovery = $r
    }

    It 'adds a startup key file (0600), refuses to overwrite it, and unlocks with it' {
        $k = Add-BlockCryptKeyProtector -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -StartupKeyProtector -StartupKeyPath "$Dir/a.bek"
        $k.KeyProtectorType | Should -Be 'StartupKey'
        (Get-Item "$Dir/a.bek").Length | Should -Be 32
        Get-Mode "$Dir/a.bek" | Should -Be '600'
        { Add-BlockCryptKeyProtector -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -StartupKeyProtector -StartupKeyPath "$Dir/a.bek" -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.AlreadyExists,*'
        @(Get-BlockCryptKeyProtector "$Dir/a.bcv" -KeyProtectorType StartupKey).Count | Should -Be 1
        (Unlock-BlockCryptVolume -Path "$Dir/a.bcv" -UnlockStartupKeyPath "$Dir/a.bek").MetadataAuthenticated | Should -BeTrue
    }

    It 'escrows the recovery password (0700 dir, 0600 file, JSON record) after checking it' {
        $escrow = "$Dir/escrow"
        { Backup-BlockCryptKeyProtector -Path "$Dir/a.bcv" -KeyProtectorId $Recovery.KeyProtectorId -RecoveryPassword (Sec ('000000-' * 7 + '000000')) -EscrowPath $escrow -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.WrongCredential,*'
        Test-Path $escrow | Should -BeFalse
        Backup-BlockCryptKeyProtector -Path "$Dir/a.bcv" -KeyProtectorId $Recovery.KeyProtectorId -RecoveryPassword (Sec $Recovery.RecoveryPassword) -EscrowPath $escrow -WhatIf
        Test-Path $escrow | Should -BeFalse
        $record = $Recovery | Backup-BlockCryptKeyProtector -RecoveryPassword (Sec $Recovery.RecoveryPassword) -EscrowPath $escrow
        $id = (Get-BlockCryptVolume "$Dir/a.bcv").VolumeId
        $record.EscrowFile | Should -Be "$escrow/$id.json"
        Get-Mode $escrow | Should -Be '700'
        Get-Mode $record.EscrowFile | Should -Be '600'
        $json = Get-Content -Raw $record.EscrowFile | ConvertFrom-Json
        $json.VolumeId | Should -Be "$id"
        $json.Path | Should -Be "$Dir/a.bcv"
        $json.Records.Count | Should -Be 1
        $json.Records[0].KeyProtectorId | Should -Be "$($Recovery.KeyProtectorId)"
        $json.Records[0].RecoveryPassword | Should -Be $Recovery.RecoveryPassword
        $json.Records[0].Status | Should -Be 'Active'
        @(Get-ChildItem $escrow -Filter '*.tmp').Count | Should -Be 0
    }

    It 'marks the escrowed password Superseded once a new one replaces its protector' {
        $new = Add-BlockCryptKeyProtector -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -RecoveryPasswordProtector @Kdf
        Remove-BlockCryptKeyProtector -Path "$Dir/a.bcv" -KeyProtectorId $Recovery.KeyProtectorId -UnlockPassword (Sec 'correct horse') -Confirm:$false
        $record = $new | Backup-BlockCryptKeyProtector -RecoveryPassword (Sec $new.RecoveryPassword) -EscrowPath "$Dir/escrow"
        $old = $record.Records | Where-Object KeyProtectorId -EQ $Recovery.KeyProtectorId
        $old.Status | Should -Be 'Superseded'
        $old.SupersededUtc | Should -Not -BeNullOrEmpty
        ($record.Records | Where-Object KeyProtectorId -EQ $new.KeyProtectorId).Status | Should -Be 'Active'
        $json = Get-Content -Raw $record.EscrowFile | ConvertFrom-Json
        ($json.Records | Where-Object Status -EQ 'Superseded').KeyProtectorId | Should -Be "$($Recovery.KeyProtectorId)"
        $script:Recovery = $new
    }

    It 'warns when the escrow directory already exists with access for other users, and leaves no lock file in it' {
        $v = New-PasswordVolume "$Dir/loose.bcv"
        $rp = Add-BlockCryptKeyProtector -Path "$Dir/loose.bcv" -UnlockPassword (Sec 'correct horse') -RecoveryPasswordProtector @Kdf -WarningAction SilentlyContinue
        New-Item -ItemType Directory "$Dir/loose-escrow" | Out-Null
        & chmod 755 "$Dir/loose-escrow"
        $warnings = $null
        $record = $rp | Backup-BlockCryptKeyProtector -RecoveryPassword (Sec $rp.RecoveryPassword) -EscrowPath "$Dir/loose-escrow" -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'mode 755.*chmod 700'
        Get-Mode $record.EscrowFile | Should -Be '600'
        @(Get-ChildItem -LiteralPath "$Dir/loose-escrow" -Force).Name | Should -Be @("$($v.VolumeId).json")
    }

    It 'refuses an escrow path that is a file' {
        Set-Content "$Dir/not-a-dir" 'x'
        $rp = Get-BlockCryptKeyProtector -Path "$Dir/loose.bcv" -KeyProtectorType RecoveryPassword
        $escrowed = Get-Content -Raw "$Dir/loose-escrow/$($rp.VolumeId).json" | ConvertFrom-Json
        { $rp | Backup-BlockCryptKeyProtector -RecoveryPassword (Sec $escrowed.Records[0].RecoveryPassword) -EscrowPath "$Dir/not-a-dir" -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.EscrowPathNotDirectory,*'
        Get-Content "$Dir/not-a-dir" | Should -Be 'x'
    }

    It 'keeps every entry when several writers update one escrow record at the same time' {
        $escrow = "$Dir/concurrent-escrow"
        $volumeId = [guid]::NewGuid()
        $writers = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            # The store itself (internal to the module), hammered from 4 runspaces: 4 x 15 read-merge-replace cycles.
            $store = ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BlockCrypt.PowerShell' }).
                GetType('BlockCrypt.PowerShell.Internal.EscrowStore', $true)
            $save = $store.GetMethod('Save')
            foreach ($i in 1..15) {
                $null = $save.Invoke($null, [object[]]@($using:escrow, $using:volumeId, '/nowhere.bcv', [guid]::NewGuid(),
                        ('123456-' * 7 + '123456'), [Guid[]]::new(0)))
            }
            $_
        }
        @($writers).Count | Should -Be 4
        $json = Get-Content -Raw "$escrow/$volumeId.json" | ConvertFrom-Json
        @($json.Records).Count | Should -Be 60
        @($json.Records.KeyProtectorId | Sort-Object -Unique).Count | Should -Be 60
        @(Get-ChildItem -LiteralPath $escrow -Force).Name | Should -Be @("$volumeId.json")
    }

    It 'New-BlockCryptVolume stopped (Ctrl+C) during the KDF leaves no container behind' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-BlockCryptModulePath)'; New-BlockCryptVolume -Path '$Dir/stopped.bcv' -Size 4MiB " +
                "-FileSystem None -PasswordProtector -Password (ConvertTo-SecureString pw -AsPlainText -Force) -KdfMemoryKiB 65536 -KdfIterations 10")
            $async = $ps.BeginInvoke()
            # The library creates the file first, then runs the (here slow) KDF: stop while it runs.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path "$Dir/stopped.bcv") -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 5 }
            $async.IsCompleted | Should -BeFalse -Because 'the KDF should still be running when the pipeline is stopped'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Test-Path "$Dir/stopped.bcv" | Should -BeFalse
        }
        finally { $ps.Dispose() }
    }

    It 'adds one protector per volume piped from Get-BlockCryptVolume -Path a,b' {
        $a = New-PasswordVolume "$Dir/pipe-a.bcv"
        $b = New-PasswordVolume "$Dir/pipe-b.bcv"
        $added = @(Get-BlockCryptVolume -Path "$Dir/pipe-a.bcv", "$Dir/pipe-b.bcv" |
                Add-BlockCryptKeyProtector -UnlockPassword (Sec 'correct horse') -RecoveryPasswordProtector @Kdf -WarningAction SilentlyContinue)
        $added.Count | Should -Be 2
        $added.VolumeId | Should -Be @($a.VolumeId, $b.VolumeId)
        $added.Path | Should -Be @("$Dir/pipe-a.bcv", "$Dir/pipe-b.bcv")
        $added[0].RecoveryPassword | Should -Not -Be $added[1].RecoveryPassword
        foreach ($p in $added) {
            (Unlock-BlockCryptVolume -Path $p.Path -UnlockRecoveryPassword (Sec $p.RecoveryPassword)).VolumeId | Should -Be $p.VolumeId
        }
    }

    It 'expands wildcards in Get-BlockCryptVolume -Path and reports a pattern matching nothing' {
        @(Get-BlockCryptVolume -Path "$Dir/pipe-*.bcv").Path | Should -Be @("$Dir/pipe-a.bcv", "$Dir/pipe-b.bcv")
        $err = $null
        @(Get-BlockCryptVolume -Path "$Dir/none-*.bcv" -ErrorAction SilentlyContinue -ErrorVariable err).Count | Should -Be 0
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.FileNotFound,*'
    }

    It 'completes every Write-Progress activity it starts, and -WhatIf starts none (no KDF work)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-BlockCryptModulePath)'; " +
                "New-BlockCryptVolume -Path '$Dir/progress.bcv' -Size 4MiB -FileSystem None -PasswordProtector -Password (ConvertTo-SecureString pw -AsPlainText -Force) -WhatIf; " +
                "New-BlockCryptVolume -Path '$Dir/progress2.bcv' -Size 4MiB -FileSystem None -PasswordProtector -Password (ConvertTo-SecureString pw -AsPlainText -Force) -WhatIf -KdfMemoryKiB 8192 -KdfIterations 1")
            $null = $ps.Invoke()
            @($ps.Streams.Progress).Count | Should -Be 0
            $ps.Commands.Clear()
            $null = $ps.AddScript("New-BlockCryptVolume -Path '$Dir/progress.bcv' -Size 40MiB -SectorSize 512 -PasswordProtector " +
                "-Password (ConvertTo-SecureString pw -AsPlainText -Force) -KdfMemoryKiB 8192 -KdfIterations 1 | Out-Null; " +
                "Unlock-BlockCryptVolume -Path '$Dir/progress.bcv' -UnlockPassword (ConvertTo-SecureString pw -AsPlainText -Force) | Out-Null")
            $null = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $records = @($ps.Streams.Progress)
            $activities = @($records.Activity | Select-Object -Unique)
            $activities.Count | Should -Be 2
            # One Completed record per long operation (New's key protector and FAT32 format, Unlock's key derivation),
            # each after its own Processing record.
            @($records | Where-Object RecordType -EQ 'Completed').Count | Should -Be 3
            @($records | Where-Object RecordType -EQ 'Processing').Count | Should -BeGreaterOrEqual 3
            foreach ($activity in $activities) {
                $last = $records | Where-Object Activity -EQ $activity | Select-Object -Last 1
                $last.RecordType | Should -Be 'Completed' -Because $activity
            }
        }
        finally { $ps.Dispose() }
        Test-Path "$Dir/progress2.bcv" | Should -BeFalse
    }

    It 'Remove-BlockCryptKeyProtector: -WhatIf keeps it, pipeline input removes it, the last one is refused' {
        $v = New-PasswordVolume "$Dir/r.bcv"
        $k = Add-BlockCryptKeyProtector -Path "$Dir/r.bcv" -UnlockPassword (Sec 'correct horse') -StartupKeyProtector -StartupKeyPath "$Dir/r.bek"
        $k | Remove-BlockCryptKeyProtector -UnlockStartupKeyPath "$Dir/r.bek" -WhatIf
        @(Get-BlockCryptKeyProtector "$Dir/r.bcv").Count | Should -Be 2
        Get-BlockCryptKeyProtector "$Dir/r.bcv" -KeyProtectorType StartupKey | Remove-BlockCryptKeyProtector -UnlockStartupKeyPath "$Dir/r.bek" -Confirm:$false
        @(Get-BlockCryptKeyProtector "$Dir/r.bcv").KeyProtectorType | Should -Be @('Password')
        { Remove-BlockCryptKeyProtector -Path "$Dir/r.bcv" -KeyProtectorId $v.KeyProtector[0].KeyProtectorId -UnlockPassword (Sec 'correct horse') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.LastProtector,*'
        { Unlock-BlockCryptVolume -Path "$Dir/r.bcv" -UnlockStartupKeyPath "$Dir/r.bek" -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.NoCredential,*'
    }

    It 'rotates only with every secret; -WhatIf changes nothing; afterwards every protector still opens' {
        $before = Get-FileHash "$Dir/a.bcv"
        Invoke-BlockCryptKeyRotation -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -WhatIf
        (Get-FileHash "$Dir/a.bcv").Hash | Should -Be $before.Hash
        { Invoke-BlockCryptKeyRotation -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.SecretMissing,*'
        (Get-FileHash "$Dir/a.bcv").Hash | Should -Be $before.Hash
        $v = Invoke-BlockCryptKeyRotation -Path "$Dir/a.bcv" -UnlockPassword (Sec 'correct horse') -UnlockRecoveryPassword (Sec $Recovery.RecoveryPassword) -UnlockStartupKeyPath "$Dir/a.bek" -Confirm:$false
        $v.MetadataCopiesValid | Should -Be 3
        (Get-FileHash "$Dir/a.bcv").Hash | Should -Not -Be $before.Hash
        foreach ($unlock in @(@{ UnlockPassword = (Sec 'correct horse') }, @{ UnlockRecoveryPassword = (Sec $Recovery.RecoveryPassword) }, @{ UnlockStartupKeyPath = "$Dir/a.bek" })) {
            (Unlock-BlockCryptVolume -Path "$Dir/a.bcv" @unlock).MetadataAuthenticated | Should -BeTrue
        }
    }

    It 'Remove-BlockCryptVolume: -WhatIf keeps the volume; erase makes it unopenable; -DeleteFile deletes it' {
        New-PasswordVolume "$Dir/e.bcv" | Out-Null
        Remove-BlockCryptVolume -Path "$Dir/e.bcv" -WhatIf
        (Unlock-BlockCryptVolume -Path "$Dir/e.bcv" -UnlockPassword (Sec 'correct horse')).MetadataAuthenticated | Should -BeTrue
        Get-BlockCryptVolume "$Dir/e.bcv" | Remove-BlockCryptVolume -Confirm:$false
        Test-Path "$Dir/e.bcv" | Should -BeTrue
        { Unlock-BlockCryptVolume -Path "$Dir/e.bcv" -UnlockPassword (Sec 'correct horse') -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.NotAVolume,*'
        New-PasswordVolume "$Dir/f.bcv" | Out-Null
        Remove-BlockCryptVolume -Path "$Dir/f.bcv" -DeleteFile -Confirm:$false
        Test-Path "$Dir/f.bcv" | Should -BeFalse
    }
}

Describe 'TPM protectors on swtpm' {
    BeforeAll {
        $script:Dir = New-TestDirectory
        $script:Tpm = Start-TestSwtpm
    }
    AfterAll {
        Stop-TestSwtpm $script:Tpm
        Remove-TestDirectory $script:Dir
    }

    It 'creates a TPM protector sealed to the PCRs given, unlocked with no credential at all' {
        $v = New-BlockCryptVolume -Path "$Dir/t.bcv" -Size 4MiB -FileSystem None -TpmProtector -Pcr 7, 14 -TpmDevice $Tpm.Tcti
        $v.KeyProtector[0].KeyProtectorType | Should -Be 'Tpm'
        $v.KeyProtector[0].Pcr | Should -Be @(7, 14)
        (Unlock-BlockCryptVolume -Path "$Dir/t.bcv" -TpmDevice $Tpm.Tcti).MetadataAuthenticated | Should -BeTrue
        $script:Rp = Add-BlockCryptKeyProtector -Path "$Dir/t.bcv" -TpmDevice $Tpm.Tcti -UnlockWithTpm -RecoveryPasswordProtector @Kdf
    }

    It 'reports an unreachable TPM as BlockCrypt.TpmUnavailable with the module''s way to choose one' {
        $err = $null
        Unlock-BlockCryptVolume -Path "$Dir/t.bcv" -TpmDevice 'swtpm:127.0.0.1:1' -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.TpmUnavailable,*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err[0].TargetObject | Should -Be "$Dir/t.bcv"
        $err[0].ErrorDetails.RecommendedAction | Should -Match '-TpmDevice'
    }

    It 'honours $env:BLOCKCRYPT_TPM when -TpmDevice is not given' {
        $saved = $env:BLOCKCRYPT_TPM
        try {
            $env:BLOCKCRYPT_TPM = $Tpm.Tcti
            (Unlock-BlockCryptVolume -Path "$Dir/t.bcv" -UnlockWithTpm).MetadataAuthenticated | Should -BeTrue
        }
        finally { $env:BLOCKCRYPT_TPM = $saved }
    }

    It 'creates a TpmPin protector that needs its PIN' {
        $v = New-BlockCryptVolume -Path "$Dir/pin.bcv" -Size 4MiB -FileSystem None -TpmProtector -Pin (Sec '2468') -TpmDevice $Tpm.Tcti @Kdf
        $v.KeyProtector[0].KeyProtectorType | Should -Be 'TpmPin'
        $v.KeyProtector[0].Pcr | Should -Be @(7)
        { Unlock-BlockCryptVolume -Path "$Dir/pin.bcv" -UnlockWithTpm -TpmDevice $Tpm.Tcti -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.PinRequired,*'
        (Unlock-BlockCryptVolume -Path "$Dir/pin.bcv" -UnlockPin (Sec '2468') -TpmDevice $Tpm.Tcti).MetadataAuthenticated | Should -BeTrue
    }

    It 'refuses a changed PCR with BlockCrypt.TpmPcrMismatch, while the recovery password still works' {
        New-BlockCryptVolume -Path "$Dir/p.bcv" -Size 4MiB -FileSystem None -TpmProtector -Pcr 11 -TpmDevice $Tpm.Tcti | Out-Null
        $rp = Add-BlockCryptKeyProtector -Path "$Dir/p.bcv" -TpmDevice $Tpm.Tcti -RecoveryPasswordProtector @Kdf
        Invoke-TestPcrExtend -Swtpm $Tpm -Pcr 11
        $err = $null
        Unlock-BlockCryptVolume -Path "$Dir/p.bcv" -UnlockWithTpm -TpmDevice $Tpm.Tcti -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlockCrypt.TpmPcrMismatch,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Resume-BlockCryptVolume'
        (Unlock-BlockCryptVolume -Path "$Dir/p.bcv" -UnlockRecoveryPassword (Sec $rp.RecoveryPassword)).MetadataAuthenticated | Should -BeTrue
        # The recommended reseal after an intended change: suspend and resume, unlocking with the recovery password.
        Suspend-BlockCryptVolume -Path "$Dir/p.bcv" -UnlockRecoveryPassword (Sec $rp.RecoveryPassword) -TpmDevice $Tpm.Tcti @Kdf | Out-Null
        $v = Resume-BlockCryptVolume -Path "$Dir/p.bcv" -UnlockRecoveryPassword (Sec $rp.RecoveryPassword) -TpmDevice $Tpm.Tcti
        $v.ProtectionStatus | Should -Be 'On'
        $v.KeyProtector[0].Pcr | Should -Be @(11)
        (Unlock-BlockCryptVolume -Path "$Dir/p.bcv" -UnlockWithTpm -TpmDevice $Tpm.Tcti).MetadataAuthenticated | Should -BeTrue
    }

    It 'suspend: a PCR change does not stop the TPM; resume: it does again' {
        New-BlockCryptVolume -Path "$Dir/s.bcv" -Size 4MiB -FileSystem None -TpmProtector -Pcr 7, 12 -TpmDevice $Tpm.Tcti | Out-Null
        Suspend-BlockCryptVolume -Path "$Dir/s.bcv" -TpmDevice $Tpm.Tcti -WhatIf
        (Get-BlockCryptVolume "$Dir/s.bcv").ProtectionStatus | Should -Be 'On'
        $v = Suspend-BlockCryptVolume -Path "$Dir/s.bcv" -TpmDevice $Tpm.Tcti -Confirm:$false
        $v.ProtectionStatus | Should -Be 'Suspended'
        (Get-BlockCryptVolume "$Dir/s.bcv").ProtectionStatus | Should -Be 'Suspended'
        Invoke-TestPcrExtend -Swtpm $Tpm -Pcr 12
        (Unlock-BlockCryptVolume -Path "$Dir/s.bcv" -TpmDevice $Tpm.Tcti).ProtectionStatus | Should -Be 'Suspended'
        $v = Resume-BlockCryptVolume -Path "$Dir/s.bcv" -TpmDevice $Tpm.Tcti -Confirm:$false
        $v.ProtectionStatus | Should -Be 'On'
        $v.KeyProtector[0].Pcr | Should -Be @(7, 12)
        (Unlock-BlockCryptVolume -Path "$Dir/s.bcv" -TpmDevice $Tpm.Tcti).MetadataAuthenticated | Should -BeTrue
        Invoke-TestPcrExtend -Swtpm $Tpm -Pcr 12
        { Unlock-BlockCryptVolume -Path "$Dir/s.bcv" -TpmDevice $Tpm.Tcti -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.TpmPcrMismatch,*'
    }

    It 'rotates a volume with TPM and recovery protectors' {
        $v = Invoke-BlockCryptKeyRotation -Path "$Dir/t.bcv" -UnlockWithTpm -TpmDevice $Tpm.Tcti -UnlockRecoveryPassword (Sec $Rp.RecoveryPassword) -Confirm:$false
        $v.KeyProtector.KeyProtectorType | Should -Be @('Tpm', 'RecoveryPassword')
        (Unlock-BlockCryptVolume -Path "$Dir/t.bcv" -TpmDevice $Tpm.Tcti).MetadataAuthenticated | Should -BeTrue
    }
}

Describe 'FUSE mounts inside the PowerShell process' {
    BeforeAll {
        $script:Dir = New-TestDirectory
        New-Item -ItemType Directory "$Dir/mnt", "$Dir/mnt2" | Out-Null
        New-BlockCryptVolume -Path "$Dir/m.bcv" -Size 40MiB -SectorSize 512 -Label 'PESTER' -PasswordProtector -Password (Sec 'pw') @Kdf | Out-Null
    }
    AfterEach {
        # Whatever a test left mounted is dismounted, even when it failed half way.
        Get-BlockCryptVolume | Dismount-BlockCryptVolume -Force -ErrorAction SilentlyContinue
    }
    AfterAll { Remove-TestDirectory $script:Dir }

    It 'mounts, serves files written through the mount, lists the mount, dismounts cleanly' {
        Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -WhatIf
        (Get-BlockCryptVolume "$Dir/m.bcv").LockStatus | Should -Be 'Locked'
        $v = Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -UnlockPassword (Sec 'pw')
        $v.LockStatus | Should -Be 'Mounted'
        $v.MountPoint | Should -Be "$Dir/mnt"
        Set-Content -Path "$Dir/mnt/hello.txt" -Value 'hello from pester'
        New-Item -ItemType Directory "$Dir/mnt/sub" | Out-Null
        [IO.File]::WriteAllBytes("$Dir/mnt/sub/blob.bin", [byte[]](1..255) * 4096)
        (Get-BlockCryptVolume).Path | Should -Be "$Dir/m.bcv"
        { Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -UnlockPassword (Sec 'pw') -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.BadMountPoint,*'
        { Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt2" -UnlockPassword (Sec 'pw') -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.AlreadyMounted,*'
        { Remove-BlockCryptVolume -Path "$Dir/m.bcv" -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.VolumeMounted,*'
        Dismount-BlockCryptVolume -MountPoint "$Dir/mnt"
        (Get-BlockCryptVolume "$Dir/m.bcv").LockStatus | Should -Be 'Locked'
        @(Get-BlockCryptVolume).Count | Should -Be 0
        @(Get-ChildItem "$Dir/mnt").Count | Should -Be 0
    }

    It 'Dismount waits a moment for a file that is being closed instead of failing at once as busy' {
        Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -UnlockPassword (Sec 'pw') | Out-Null
        # Another process holds a file open for 0.8 s (like a writer whose close is still in flight).
        $start = [System.Diagnostics.ProcessStartInfo]::new('sh')
        $start.ArgumentList.Add('-c'); $start.ArgumentList.Add("exec 3< '$Dir/mnt/hello.txt'; sleep 0.8")
        $start.WorkingDirectory = $Dir
        $holder = [System.Diagnostics.Process]::Start($start)
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (-not (Test-Path "/proc/$($holder.Id)/fd/3") -and -not $holder.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
            $holder.HasExited | Should -BeFalse -Because 'the file must still be open when Dismount starts'
            Dismount-BlockCryptVolume -MountPoint "$Dir/mnt" -ErrorAction Stop
            @(& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt" }).Count | Should -Be 0
        }
        finally {
            if (-not $holder.WaitForExit(5000)) { $holder.Kill() }
        }
    }

    It 'remounts read-only through Unlock-BlockCryptVolume -MountPoint and finds the files' {
        $v = Unlock-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -ReadOnly -UnlockPassword (Sec 'pw')
        $v.LockStatus | Should -Be 'Mounted'
        Get-Content "$Dir/mnt/hello.txt" | Should -Be 'hello from pester'
        (Get-Item "$Dir/mnt/sub/blob.bin").Length | Should -Be (255 * 4096)
        { Set-Content -Path "$Dir/mnt/new.txt" -Value 'x' -ErrorAction Stop } | Should -Throw
        Dismount-BlockCryptVolume -Path "$Dir/m.bcv"
        Test-Path "$Dir/mnt/hello.txt" | Should -BeFalse
    }

    It 'dismounts cleanly when the PowerShell process that mounted exits without Dismount' {
        $child = @"
Import-Module '$PSScriptRoot/TestHelpers.psm1'; Import-BlockCryptModule
`$null = Mount-BlockCryptVolume -Path '$Dir/m.bcv' -MountPoint '$Dir/mnt' -UnlockPassword (ConvertTo-SecureString pw -AsPlainText -Force)
Set-Content -Path '$Dir/mnt/from-child.txt' -Value 'written by a session that then exited'
exit 0
"@
        Push-Location (Get-BlockCryptRepoRoot)
        try { & dotnet pwsh -NoProfile -NonInteractive -Command $child } finally { Pop-Location }
        $LASTEXITCODE | Should -Be 0
        @(& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt" }).Count | Should -Be 0
        Unlock-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -ReadOnly -UnlockPassword (Sec 'pw') | Out-Null
        Get-Content "$Dir/mnt/from-child.txt" | Should -Be 'written by a session that then exited'
        Dismount-BlockCryptVolume -MountPoint "$Dir/mnt"
    }

    It 'sees and dismounts a mount served by another PowerShell process' {
        Set-Content "$Dir/child.keep" 'x'
        Set-Content "$Dir/child.ps1" @"
Import-Module '$PSScriptRoot/TestHelpers.psm1'; Import-BlockCryptModule
`$null = Mount-BlockCryptVolume -Path '$Dir/m.bcv' -MountPoint '$Dir/mnt' -UnlockPassword (ConvertTo-SecureString pw -AsPlainText -Force)
Set-Content -Path '$Dir/mnt/ready.txt' -Value 'ready'
while (Test-Path '$Dir/child.keep') { Start-Sleep -Milliseconds 100 }
"@
        $process = Start-Process -FilePath dotnet -ArgumentList 'pwsh', '-NoProfile', '-NonInteractive', '-File', "$Dir/child.ps1" `
            -WorkingDirectory (Get-BlockCryptRepoRoot) -PassThru -RedirectStandardOutput "$Dir/child.out" -RedirectStandardError "$Dir/child.err"
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not (Test-Path "$Dir/mnt/ready.txt") -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path "$Dir/mnt/ready.txt" | Should -BeTrue -Because (Get-Content -Raw "$Dir/child.err" -ErrorAction SilentlyContinue)
            $v = Get-BlockCryptVolume -Path "$Dir/m.bcv"
            $v.LockStatus | Should -Be 'Mounted'
            $v.MountPoint | Should -Be "$Dir/mnt"
            @(Get-BlockCryptVolume).Count | Should -Be 0 -Because 'without -Path only this session''s mounts are listed'
            Dismount-BlockCryptVolume -Path "$Dir/m.bcv"
            @(& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt" }).Count | Should -Be 0
            (Get-BlockCryptVolume -Path "$Dir/m.bcv").LockStatus | Should -Be 'Locked'
        }
        finally {
            Remove-Item "$Dir/child.keep" -ErrorAction SilentlyContinue
            if (-not $process.WaitForExit(30000)) { $process.Kill() }
            if (& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt" }) { & fusermount3 -u -z "$Dir/mnt" }
        }
    }

    It 'Mount-BlockCryptVolume stopped (Ctrl+C) while unlocking leaves nothing mounted' {
        New-BlockCryptVolume -Path "$Dir/slow.bcv" -Size 40MiB -SectorSize 512 -PasswordProtector -Password (Sec 'pw') -KdfMemoryKiB 65536 -KdfIterations 16 | Out-Null
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-BlockCryptModulePath)'; Mount-BlockCryptVolume -Path '$Dir/slow.bcv' -MountPoint '$Dir/mnt2' " +
                "-UnlockPassword (ConvertTo-SecureString pw -AsPlainText -Force)")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1000   # the unlock's KDF (16 Argon2id passes over 64 MiB) takes seconds
            $async.IsCompleted | Should -BeFalse -Because 'the KDF should still be running when the pipeline is stopped'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            @(& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt2" }).Count | Should -Be 0
            (Get-BlockCryptVolume -Path "$Dir/slow.bcv").LockStatus | Should -Be 'Locked'
            @(Get-BlockCryptVolume).Count | Should -Be 0
        }
        finally { $ps.Dispose() }
    }

    It 'sees and dismounts a mount made by the blockcrypt CLI' {
        $cli = Get-BlockCryptCliPath
        Test-Path $cli | Should -BeTrue -Because 'dotnet build BlockCrypt.sln builds the CLI next to the module'
        Set-Content "$Dir/pw.txt" 'pw'
        try {
            $out = & $cli mount "$Dir/m.bcv" "$Dir/mnt" --passphrase-file "$Dir/pw.txt" 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$out"
            Set-Content "$Dir/mnt/from-cli-mount.txt" 'x'
            $v = Get-BlockCryptVolume -Path "$Dir/m.bcv"
            $v.LockStatus | Should -Be 'Mounted'
            $v.MountPoint | Should -Be "$Dir/mnt"
            { Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt2" -UnlockPassword (Sec 'pw') -ErrorAction Stop } |
                Should -Throw -ErrorId 'BlockCrypt.AlreadyMounted,*'
            Dismount-BlockCryptVolume -MountPoint "$Dir/mnt" -Confirm:$false
            @(& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt" }).Count | Should -Be 0
            (Get-BlockCryptVolume -Path "$Dir/m.bcv").LockStatus | Should -Be 'Locked'
        }
        finally {
            if (& findmnt -rn -o TARGET | Where-Object { $_ -eq "$Dir/mnt" }) { & $cli unmount "$Dir/mnt" 2>&1 | Out-Null }
        }
    }

    It 'reports a wrong password at mount time as BlockCrypt.WrongCredential and leaves nothing mounted' {
        { Mount-BlockCryptVolume -Path "$Dir/m.bcv" -MountPoint "$Dir/mnt" -UnlockPassword (Sec 'nope') -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.WrongCredential,*'
        @(Get-BlockCryptVolume).Count | Should -Be 0
        { Dismount-BlockCryptVolume -MountPoint "$Dir/mnt" -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.NotMounted,*'
    }
}

Describe 'Customer key protector on SoftHSM2' {
    BeforeAll {
        $script:Dir = New-TestDirectory
        # libsofthsm2 reads SOFTHSM2_CONF with getenv: set it in the native environment of this process too.
        if (-not ('BlockCryptPesterNative' -as [type])) {
            Add-Type -Name BlockCryptPesterNative -Namespace '' -MemberDefinition @'
[System.Runtime.InteropServices.DllImport("libc")] public static extern int setenv(string name, string value, int overwrite);
[System.Runtime.InteropServices.DllImport("libc")] public static extern int unsetenv(string name);
'@
        }
        $script:SavedConf = $env:SOFTHSM2_CONF
        New-Item -ItemType Directory "$Dir/tokens" | Out-Null
        Set-Content "$Dir/softhsm2.conf" "directories.tokendir = $Dir/tokens`nobjectstore.backend = file`nlog.level = ERROR`nslots.removable = false"
        $env:SOFTHSM2_CONF = "$Dir/softhsm2.conf"
        [BlockCryptPesterNative]::setenv('SOFTHSM2_CONF', "$Dir/softhsm2.conf", 1) | Out-Null
        & softhsm2-util --init-token --free --label bc-token --so-pin 12345678 --pin 123456 | Out-Null
        & openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$Dir/key.pem" 2>$null
        & softhsm2-util --import "$Dir/key.pem" --token bc-token --label bc-key --id 01 --pin 123456 | Out-Null
        Remove-Item "$Dir/key.pem"
        $script:Module = @('/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so') | Where-Object { Test-Path $_ } | Select-Object -First 1
    }
    AfterAll {
        $env:SOFTHSM2_CONF = $script:SavedConf
        if ($script:SavedConf) { [BlockCryptPesterNative]::setenv('SOFTHSM2_CONF', $script:SavedConf, 1) | Out-Null }
        else { [BlockCryptPesterNative]::unsetenv('SOFTHSM2_CONF') | Out-Null }
        Remove-TestDirectory $script:Dir
    }

    It 'creates a CustomerKey protector that unlocks with the HSM PIN and refuses a wrong one' {
        $v = New-BlockCryptVolume -Path "$Dir/c.bcv" -Size 4MiB -FileSystem None -CustomerKeyProtector -Pkcs11Module $Module -TokenLabel bc-token -KeyLabel bc-key -Pkcs11Pin (Sec 123456)
        $v.KeyProtector[0].KeyProtectorType | Should -Be 'CustomerKey'
        (Unlock-BlockCryptVolume -Path "$Dir/c.bcv" -UnlockPkcs11Module $Module -UnlockPkcs11Pin (Sec 123456)).MetadataAuthenticated | Should -BeTrue
        { Unlock-BlockCryptVolume -Path "$Dir/c.bcv" -UnlockPkcs11Module $Module -UnlockPkcs11Pin (Sec 999999) -ErrorAction Stop } |
            Should -Throw -ErrorId 'BlockCrypt.WrongCredential,*'
        { Unlock-BlockCryptVolume -Path "$Dir/c.bcv" -UnlockPkcs11Module $Module -ErrorAction Stop } | Should -Throw -ErrorId 'BlockCrypt.Pkcs11PinRequired,*'
    }
}
