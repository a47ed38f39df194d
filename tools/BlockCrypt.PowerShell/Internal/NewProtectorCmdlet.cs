using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using BlockCrypt.PowerShell.Internal;
using BlockCrypt.Storage;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Volume.CustomerKey;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using BlockCrypt.Volume;

namespace BlockCrypt.PowerShell;

/// <summary>
/// Base of the cmdlets that create a protector (New-BlockCryptVolume, Add-BlockCryptKeyProtector): one parameter set
/// per protector kind, as BitLocker's Add-BitLockerKeyProtector, and the hidden KDF knobs tests use.
/// </summary>
public abstract class NewProtectorCmdlet : BlockCryptCmdlet
{
    /// <summary>Parameter set names.</summary>
    protected const string PasswordSet = "Password", RecoverySet = "RecoveryPassword", StartupKeySet = "StartupKey",
        TpmSet = "Tpm", CustomerKeySet = "CustomerKey";

    /// <summary>Create a Password protector.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
    public SwitchParameter PasswordProtector { get; set; }

    /// <summary>The new passphrase.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
    public SecureString Password { get; set; } = null!;

    /// <summary>Create a RecoveryPassword protector (a new 48-digit password, shown once).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RecoverySet)]
    public SwitchParameter RecoveryPasswordProtector { get; set; }

    /// <summary>Create a StartupKey protector.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StartupKeySet)]
    public SwitchParameter StartupKeyProtector { get; set; }

    /// <summary>The new key file (created 0600; must not exist).</summary>
    [Parameter(Mandatory = true, ParameterSetName = StartupKeySet)]
    public string StartupKeyPath { get; set; } = null!;

    /// <summary>Create a TPM protector.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TpmSet)]
    public SwitchParameter TpmProtector { get; set; }

    /// <summary>PCRs (sha256 bank) to seal to; default 7.</summary>
    [Parameter(ParameterSetName = TpmSet)]
    [ValidateRange(0, PcrSelection.MaxPcr)]
    public int[]? Pcr { get; set; }

    /// <summary>A PIN for the new TPM protector (makes it TpmPin).</summary>
    [Parameter(ParameterSetName = TpmSet)]
    public SecureString? Pin { get; set; }

    /// <summary>Create a CustomerKey protector (key in an HSM, through PKCS#11).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CustomerKeySet)]
    public SwitchParameter CustomerKeyProtector { get; set; }

    /// <summary>The HSM's PKCS#11 module.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CustomerKeySet)]
    public string Pkcs11Module { get; set; } = null!;

    /// <summary>The HSM token label.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CustomerKeySet)]
    public string TokenLabel { get; set; } = null!;

    /// <summary>The HSM key label (CKA_LABEL).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CustomerKeySet)]
    public string KeyLabel { get; set; } = null!;

    /// <summary>The HSM user PIN.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CustomerKeySet)]
    public SecureString Pkcs11Pin { get; set; } = null!;

    /// <summary>A description stored with the new protector.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>The TPM: swtpm:HOST:PORT, /dev/tpmrm0 or tbs (default: $env:BLOCKCRYPT_TPM, then the platform's).</summary>
    [Parameter]
    public string? TpmDevice { get; set; }

    /// <summary>Test knob: Argon2id memory in KiB (default: calibrated).</summary>
    [Parameter(DontShow = true)]
    [ValidateRange(1, int.MaxValue)]
    public int? KdfMemoryKiB { get; set; }

    /// <summary>Test knob: Argon2id passes (default: calibrated to about 2 s).</summary>
    [Parameter(DontShow = true)]
    [ValidateRange(1, int.MaxValue)]
    public int? KdfIterations { get; set; }

    /// <summary>Said when a recovery password is created: the output object is the only place it is shown.</summary>
    protected const string RecoveryNotice =
        "ACTION REQUIRED: the new recovery password (RecoveryPassword below) is shown this once only: escrow it now " +
        "(Backup-BlockCryptKeyProtector) or store it safely away from the volume; it cannot be displayed again.";

    /// <summary>The KDF cost from the knobs (small knobs use one lane so the 8 MiB floor stays fast).</summary>
    protected KdfOptions Kdf => new()
    {
        MemoryKiB = KdfMemoryKiB,
        ForceIterations = KdfIterations,
        Lanes = KdfMemoryKiB is int m && m < 64 * 1024 ? 1 : KdfOptions.DefaultLanes,
    };

    /// <summary>Short text for ShouldProcess messages.</summary>
    protected string NewProtectorDescription => ParameterSetName switch
    {
        PasswordSet => "Password protector",
        RecoverySet => "RecoveryPassword protector",
        StartupKeySet => $"StartupKey protector (key file {StartupKeyPath})",
        TpmSet => $"TPM protector (PCRs {string.Join(",", Pcrs.Indices)}{(Pin is null ? "" : ", PIN")})",
        _ => $"CustomerKey protector (token {TokenLabel}, key {KeyLabel})",
    };

    private PcrSelection Pcrs => Pcr is { Length: > 0 } p ? new PcrSelection(p) : PcrSelection.Default;

    /// <summary>
    /// Builds the request for the chosen kind. A startup key file is written here (0600, never overwriting), before the
    /// metadata; <see cref="PreparedProtector.Undo"/> deletes it when the operation fails. Dispose the result.
    /// </summary>
    private protected PreparedProtector PrepareProtector()
    {
        var secrets = new UnlockCredentials();
        try
        {
            ProtectorKind kind;
            Action undo = static () => { };
            switch (ParameterSetName)
            {
                case PasswordSet:
                    using (var bytes = SecretText.ToUtf8(Password)) secrets.AddPassphrase(bytes.Span);
                    kind = ProtectorKind.Passphrase;
                    break;
                case RecoverySet:
                    kind = ProtectorKind.Recovery; // the library generates the password and returns it once
                    break;
                case StartupKeySet:
                    string file = ResolvePath(StartupKeyPath);
                    WriteKeyFile(file, secrets);
                    undo = () => File.Delete(file);
                    kind = ProtectorKind.KeyFile;
                    break;
                case TpmSet:
                    using (var pin = Pin is null ? null : SecretText.ToUtf8(Pin))
                        secrets.Set(new TpmCredential(TpmDevice, pin is null ? default : pin.Span) { Pcrs = Pcrs });
                    kind = ProtectorKind.Tpm;
                    break;
                default:
                    using (var pin = SecretText.ToUtf8(Pkcs11Pin))
                        secrets.Set(new Pkcs11Credential(Pkcs11Module, pin.Span) { TokenLabel = TokenLabel, KeyLabel = KeyLabel });
                    kind = ProtectorKind.Pkcs11;
                    break;
            }
            var request = new ProtectorRequest { Kind = kind, Secrets = secrets, Kdf = Kdf, Description = Description ?? "" };
            return new PreparedProtector(request, undo);
        }
        catch
        {
            secrets.Dispose();
            throw;
        }
    }

    /// <summary>Refuses (before anything is written) a startup key path that exists or whose folder does not.</summary>
    protected void CheckStartupKeyPath()
    {
        if (ParameterSetName != StartupKeySet) return;
        string file = ResolvePath(StartupKeyPath);
        if (File.Exists(file) || Directory.Exists(file))
            throw new BlockCryptCmdletException("AlreadyExists", ErrorCategory.ResourceExists, $"'{file}' already exists; refusing to overwrite it.");
        string? dir = System.IO.Path.GetDirectoryName(file);
        if (dir is not null && !Directory.Exists(dir))
            throw new BlockCryptCmdletException("FileNotFound", ErrorCategory.ObjectNotFound, $"Folder '{dir}' not found.");
    }

    private static void WriteKeyFile(string file, UnlockCredentials secrets)
    {
        byte[] key = GC.AllocateArray<byte>(KeyFileProtectorHandler.KeyFileLength, pinned: true);
        try
        {
            RandomNumberGenerator.Fill(key);
            try
            {
                using var stream = OwnerOnlyFile.Create(file);
                stream.Write(key);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException e) when (File.Exists(file) && e is not FileNotFoundException)
            {
                throw new BlockCryptCmdletException("AlreadyExists", ErrorCategory.ResourceExists, $"'{file}' already exists; refusing to overwrite it.");
            }
            secrets.AddKeyFile(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}

/// <summary>A protector request ready to pass to the volume, with what to undo if that fails.</summary>
internal sealed class PreparedProtector(ProtectorRequest request, Action undo) : IDisposable
{
    /// <summary>The request.</summary>
    public ProtectorRequest Request { get; } = request;

    /// <summary>Reverts side effects (deletes a written key file).</summary>
    public void Undo() => undo();

    /// <summary>Zeroes the request's secrets.</summary>
    public void Dispose() => Request.Secrets.Dispose();
}
