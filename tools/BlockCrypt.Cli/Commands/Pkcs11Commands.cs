using BlockCrypt.Cli.CommandLine;
using BlockCrypt.Volume.CustomerKey;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Cli.Commands;

/// <summary>
/// Customer-key (PKCS#11) commands: <c>hsm create-key</c> / <c>hsm destroy-key</c> (test and lab use only),
/// <c>hsm status</c> (which pkcs11 protector still reaches its key) and <c>protector rewrap</c> (rotation of the HSM key).
/// </summary>
public sealed class Pkcs11Commands : ICommandGroup
{
    private const string LabOnly = "FOR TEST AND LAB USE ONLY: production keys are generated and destroyed with the HSM vendor's own tools.";

    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "hsm create-key", Summary = "create an AES-256 or RSA-3072 key on a PKCS#11 token (lab use only)",
            Description = LabOnly + "\nThe key is a token object, sensitive and not extractable, with a random CKA_ID.",
            Options = [.. Pkcs11Input.Options(), new("type", "aes256|rsa3072", "key type (default aes256)")],
            Run = CreateKey,
        },
        new CliCommand
        {
            Name = "hsm destroy-key", Summary = "destroy a PKCS#11 key (crypto-shredding demos; lab use only)",
            Description = LabOnly + "\nDestroys every object with the label (both halves of an RSA pair). Needs --yes.",
            Options = [.. Pkcs11Input.Options(), new("yes", null, "confirm the destruction")],
            Run = DestroyKey,
        },
        new CliCommand
        {
            Name = "hsm status", Summary = "check that each pkcs11 protector of a volume still reaches its HSM key", Arguments = "CONTAINER", MinArguments = 1,
            Description = "For every pkcs11 protector, opens the token and has the HSM unwrap the protector's blob (the volume is not\n" +
                          "unlocked). Exit code 0 when all are reachable, 12 when one is not (key destroyed, token missing ...).",
            Options = Pkcs11Input.Options(withKeyLabel: false),
            Run = Status,
        },
        new CliCommand
        {
            Name = "protector rewrap", Summary = "re-wrap a pkcs11 protector under a new HSM key (customer key rotation)", Arguments = "CONTAINER", MinArguments = 1, Unlocks = true,
            Description = "Unlocks with the unlock options, checks that the protector's current HSM key still opens it, then wraps a\n" +
                          "fresh key under --new-key-label (same module and PIN; --token-label for another token) and replaces the\n" +
                          "protector in one metadata update. Afterwards the old HSM key is no longer needed.",
            Options = [new("id", "PROTECTOR_ID", "the pkcs11 protector to re-wrap"), new("new-key-label", "LABEL", "label of the new HSM key"),
                       new("new-key-id", "HEX", "CKA_ID of the new HSM key, when several share its label")],
            Run = Rewrap,
        },
    ];

    private static Pkcs11Credential RequireCredential(CommandContext c) =>
        Pkcs11Input.Credential(c.Args, c.Stdin) ?? throw CliException.Usage("This command needs --pkcs11-module PATH and --pkcs11-pin-stdin or --pkcs11-pin-file.");

    private static string Require(CommandContext c, string option) =>
        c.Args.Get(option) ?? throw CliException.Usage($"'{c.Command.Name}' needs --{option}.");

    private static int CreateKey(CommandContext c)
    {
        string token = Require(c, "token-label"), label = Require(c, "key-label");
        CustomerKeyType type = Pkcs11Cli.KeyType(c.Args.Get("type"));
        using Pkcs11Credential credential = RequireCredential(c);
        using Pkcs11Token session = Pkcs11Token.Open(credential.ModulePath, token, credential.Pin);
        CustomerKeyIdentity identity = session.CreateKey(label, type);
        c.Err.WriteLine("NOTE: " + LabOnly);
        c.Out.WriteLine($"Created {type} key '{identity.KeyLabel}' (CKA_ID {Pkcs11Cli.Hex(identity.KeyId)}) on token '{identity.TokenLabel}'; mechanism {identity.Mechanism}");
        return ExitCodes.Ok;
    }

    private static int DestroyKey(CommandContext c)
    {
        string token = Require(c, "token-label"), label = Require(c, "key-label");
        if (!c.Args.Has("yes")) throw new CliException(ExitCodes.Refused, "Destroying an HSM key makes every volume it protects unopenable through it; add --yes.");
        using Pkcs11Credential credential = RequireCredential(c);
        using Pkcs11Token session = Pkcs11Token.Open(credential.ModulePath, token, credential.Pin);
        int count = session.DestroyKey(label, credential.KeyId);
        c.Out.WriteLine($"Destroyed {count} object(s) labelled '{label}' on token '{token}'");
        return ExitCodes.Ok;
    }

    private static int Status(CommandContext c)
    {
        using Pkcs11Credential credential = RequireCredential(c);
        using var volume = Volume.Volume.Open(c.Arg(0), readOnly: true);
        var protectors = volume.GetStatus().Protectors.Where(p => p.Kind == ProtectorKind.Pkcs11).ToList();
        if (protectors.Count == 0)
        {
            c.Out.WriteLine("No pkcs11 protector on this volume.");
            return ExitCodes.Ok;
        }
        int unreachable = 0;
        foreach (var p in protectors)
        {
            CustomerKeyException? problem = Pkcs11ProtectorHandler.CheckReachable(volume, p.Id, credential);
            if (problem is not null) unreachable++;
            c.Out.WriteLine(problem is null
                ? $"{p.Id}  reachable      {p.Details}"
                : $"{p.Id}  UNREACHABLE    {problem.Reason}: {problem.Message}");
        }
        return unreachable == 0 ? ExitCodes.Ok : ExitCodes.Pkcs11;
    }

    private static int Rewrap(CommandContext c)
    {
        if (!Guid.TryParse(Require(c, "id"), out Guid id)) throw CliException.Usage($"'{c.Args.Get("id")}' is not a protector id.");
        string newLabel = Require(c, "new-key-label");
        byte[]? newId = c.Args.Get("new-key-id") is string hex ? Pkcs11Input.ParseHex(hex, "new-key-id") : null;
        var (volume, unlocked) = c.OpenUnlocked(c.Arg(0));
        using (volume)
        using (unlocked)
        {
            using Pkcs11Credential credential = RequireCredential(c);
            Pkcs11ProtectorHandler.Rewrap(unlocked, id, credential, newLabel, newId);
        }
        c.Out.WriteLine($"Re-wrapped protector {id} under HSM key '{newLabel}'; the old key is no longer needed by it.");
        return ExitCodes.Ok;
    }
}
