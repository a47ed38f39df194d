# Module manifest of the BlockCrypt PowerShell module (issue 7): binary cmdlets over the BlockCrypt libraries.
@{
    RootModule           = 'BlockCrypt.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c3a52-7a8e-4d0b-9f7e-1c2b6a9d4e31'
    Author               = 'BlockCrypt'
    CompanyName          = 'BlockCrypt'
    Copyright            = '(c) BlockCrypt contributors'
    Description          = 'Provision and manage BlockCrypt encrypted volumes (BitLocker-style cmdlets): create, protectors, unlock, mount, escrow, suspend/resume, key rotation, crypto-erase.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('BlockCrypt.Format.ps1xml')
    CmdletsToExport      = @(
        'New-BlockCryptVolume'
        'Get-BlockCryptVolume'
        'Remove-BlockCryptVolume'
        'Add-BlockCryptKeyProtector'
        'Remove-BlockCryptKeyProtector'
        'Get-BlockCryptKeyProtector'
        'Backup-BlockCryptKeyProtector'
        'Unlock-BlockCryptVolume'
        'Mount-BlockCryptVolume'
        'Dismount-BlockCryptVolume'
        'Suspend-BlockCryptVolume'
        'Resume-BlockCryptVolume'
        'Invoke-BlockCryptKeyRotation'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('Encryption', 'BlockCrypt', 'BitLocker', 'Linux', 'Windows')
        }
    }
}
