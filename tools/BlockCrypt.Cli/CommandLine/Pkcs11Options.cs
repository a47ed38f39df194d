using System.Runtime.CompilerServices;
using System.Text;
using BlockCrypt.Volume;
using BlockCrypt.Volume.CustomerKey;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Reads the PKCS#11 options of one invocation. The PIN options are <c>--pkcs11-pin-stdin</c> / <c>--pkcs11-pin-file</c>
/// because <c>--pin-stdin</c> is the TPM PIN among the unlock options (both may be needed in one command). The user PIN is read once (from <c>--pin-file</c> or the next line of
/// standard input, after the built-in unlocking secret) and shared by the unlock credential and a new pkcs11 protector.
/// </summary>
internal static class Pkcs11Input
{
    private static readonly ConditionalWeakTable<ParsedArgs, byte[]> s_pins = new();

    /// <summary>The common PKCS#11 options (module, token, key, PIN source).</summary>
    public static CliOption[] Options(bool withKeyLabel = true) =>
    [
        new("pkcs11-module", "PATH", "PKCS#11 module of the HSM (e.g. /usr/lib/softhsm/libsofthsm2.so)"),
        new("token-label", "LABEL", "HSM token label (unlock: only protectors on this token are tried)"),
        .. withKeyLabel ? new CliOption[]
        {
            new("key-label", "LABEL", "HSM key label (CKA_LABEL) (unlock: only protectors using this key are tried)"),
            new("key-id", "HEX", "HSM key CKA_ID in hex, when several keys share a label"),
        } : [],
        new("pkcs11-pin-stdin", null, "read the HSM user PIN from standard input (after the other unlocking secrets)"),
        new("pkcs11-pin-file", "FILE", "read the HSM user PIN from the first line of FILE"),
    ];

    /// <summary>The credential the options describe, or null without <c>--pkcs11-module</c>.</summary>
    public static Pkcs11Credential? Credential(ParsedArgs a, SecretInput stdin)
    {
        string? module = a.Get("pkcs11-module");
        if (module is null)
        {
            if (a.Has("pkcs11-pin-stdin") || a.Has("pkcs11-pin-file") || a.Has("token-label") || a.Has("key-label"))
                throw CliException.Usage("The PKCS#11 options need --pkcs11-module PATH.");
            return null;
        }
        return new Pkcs11Credential(module, Pin(a, stdin))
        {
            TokenLabel = a.Get("token-label"),
            KeyLabel = a.Get("key-label"),
            KeyId = a.Get("key-id") is string hex ? ParseHex(hex, "key-id") : null,
        };
    }

    /// <summary>Parses a hex option value.</summary>
    public static byte[] ParseHex(string hex, string option)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw CliException.Usage($"--{option} must be hexadecimal.");
        }
    }

    private static byte[] Pin(ParsedArgs a, SecretInput stdin)
    {
        if (s_pins.TryGetValue(a, out byte[]? pin)) return pin;
        string text = a.Get("pkcs11-pin-file") is string file ? SecretInput.ReadFirstLine(file)
            : a.Has("pkcs11-pin-stdin") ? stdin.ReadLine("the HSM user PIN")
            : throw CliException.Usage("The HSM user PIN is needed: give --pkcs11-pin-stdin or --pkcs11-pin-file FILE.");
        // Kept for the (short) life of the process so the unlock credential and a new protector share one read;
        // every Pkcs11Credential holds its own pinned copy that is zeroed on dispose.
        pin = Encoding.UTF8.GetBytes(text);
        s_pins.AddOrUpdate(a, pin);
        return pin;
    }
}

/// <summary>Unlock options for pkcs11 (customer key) protectors.</summary>
public sealed class Pkcs11UnlockOptions : IUnlockOptionProvider
{
    /// <inheritdoc/>
    public int Order => 20;

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options { get; } = Pkcs11Input.Options();

    /// <inheritdoc/>
    public void Apply(ParsedArgs args, UnlockCredentials credentials, SecretInput stdin)
    {
        if (Pkcs11Input.Credential(args, stdin) is { } credential) credentials.Set(credential);
    }
}

/// <summary><c>protector add --kind pkcs11</c>: uses the PKCS#11 unlock options (module, token, key, PIN) for the new protector.</summary>
public sealed class Pkcs11NewProtectorOptions : INewProtectorOptions
{
    /// <inheritdoc/>
    public IReadOnlyList<string> Kinds { get; } = ["pkcs11"];

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options { get; } = [];

    /// <inheritdoc/>
    public NewProtectorPlan Prepare(string kind, CommandContext context, KdfOptions kdf)
    {
        var a = context.Args;
        if (a.Get("token-label") is null || a.Get("key-label") is null)
            throw CliException.Usage("A pkcs11 protector needs --pkcs11-module PATH --token-label LABEL --key-label LABEL and --pkcs11-pin-stdin or --pkcs11-pin-file.");
        var credential = Pkcs11Input.Credential(a, context.Stdin)
            ?? throw CliException.Usage("A pkcs11 protector needs --pkcs11-module PATH.");
        var secrets = new UnlockCredentials();
        secrets.Set(credential);
        return new NewProtectorPlan
        {
            Request = new ProtectorRequest { Kind = ProtectorKind.Pkcs11, Secrets = secrets, Kdf = kdf, Description = a.Get("description") ?? "" },
        };
    }
}

/// <summary>Maps customer-key (HSM) failures: a wrong PIN is a wrong credential (3), anything else exit code 12.</summary>
public sealed class Pkcs11ErrorMapper : IErrorMapper
{
    /// <inheritdoc/>
    public bool TryMap(Exception exception, out int exitCode, out string message)
    {
        var hsm = exception as CustomerKeyException ?? (exception as VolumeException)?.InnerException as CustomerKeyException;
        exitCode = hsm?.Reason == CustomerKeyError.WrongPin ? ExitCodes.WrongCredential : ExitCodes.Pkcs11;
        message = exception is VolumeException ? exception.Message : $"HSM: {exception.Message}";
        return hsm is not null;
    }
}

/// <summary>Small helpers shared by the pkcs11 commands.</summary>
internal static class Pkcs11Cli
{
    /// <summary>Reads <c>--type</c> of <c>hsm create-key</c>.</summary>
    public static CustomerKeyType KeyType(string? value) => value?.ToLowerInvariant() switch
    {
        "aes256" or null => CustomerKeyType.Aes256,
        "rsa3072" => CustomerKeyType.Rsa3072,
        _ => throw CliException.Usage($"--type must be aes256 or rsa3072, not '{value}'."),
    };

    /// <summary>A CKA_ID for display.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "none" : Convert.ToHexStringLower(bytes);
}
