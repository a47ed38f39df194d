using System.Text;
using BlockCrypt.Cli.CommandLine;
using BlockCrypt.Tpm;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Cli.Commands;

/// <summary>
/// TPM unlock options (issue 4): <c>--tpm</c> forces trying TPM protectors, <c>--tpm-device</c> picks the TPM,
/// <c>--pin-stdin</c> reads the TPM PIN (after the other unlocking secrets). With no credential at all, TPM protectors
/// are tried. In <c>protector add --kind tpm</c>, <c>--pin-stdin</c> is the NEW protector's PIN instead.
/// </summary>
public sealed class TpmUnlockOptions : IUnlockOptionProvider
{
    /// <summary>The shared option definitions (also offered by <c>format</c> through <see cref="TpmNewProtectorOptions"/>).</summary>
    internal static readonly CliOption Tpm = new("tpm", null, "unlock with the TPM protector (tried first when no other credential is given)");
    internal static readonly CliOption Device = new("tpm-device", "DEV", "TPM to use: /dev/tpmrm0, tbs or swtpm:HOST:PORT (default: $BLOCKCRYPT_TPM or the platform's)");
    internal static readonly CliOption PinStdin = new("pin-stdin", null, "read the TPM PIN from standard input (after any passphrase)");

    /// <inheritdoc/>
    public int Order => 50;

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options { get; } = [Tpm, Device, PinStdin];

    /// <inheritdoc/>
    public void Apply(ParsedArgs args, UnlockCredentials credentials, SecretInput stdin)
    {
        bool pinIsForNewProtector = string.Equals(args.Get("kind"), "tpm", StringComparison.OrdinalIgnoreCase);
        bool unlockPin = args.Has("pin-stdin") && !pinIsForNewProtector;
        if (!args.Has("tpm") && !unlockPin && !credentials.IsEmpty) return;
        byte[] pin = unlockPin ? Encoding.UTF8.GetBytes(stdin.ReadLine("the TPM PIN")) : [];
        try
        {
            credentials.Set(new TpmCredential(args.Get("tpm-device"), pin));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pin);
        }
    }
}

/// <summary>New TPM protectors: <c>protector add --kind tpm</c> and <c>format --tpm</c> (or <c>--add-kind tpm</c>).</summary>
public sealed class TpmNewProtectorOptions : INewProtectorOptions
{
    internal static readonly CliOption Pcrs = new("pcrs", "LIST", "PCRs (sha256 bank) to seal a tpm protector to, e.g. 7,11 (default 7)");

    /// <inheritdoc/>
    public IReadOnlyList<string> Kinds { get; } = ["tpm"];

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options { get; } =
    [
        Pcrs,
        new("tpm", null, "format: also add a tpm protector (sealed to --pcrs, PIN with --pin-stdin)"),
        TpmUnlockOptions.Device,
        new("pin-stdin", null, "a PIN for the new tpm protector from standard input (after any passphrase)"),
    ];

    /// <inheritdoc/>
    public NewProtectorPlan Prepare(string kind, CommandContext context, KdfOptions kdf)
    {
        var a = context.Args;
        var pcrs = ParsePcrs(a.Get("pcrs")) ?? PcrSelection.Default;
        byte[] pin = a.Has("pin-stdin") ? Encoding.UTF8.GetBytes(context.Stdin.ReadLine("the new TPM PIN")) : [];
        var secrets = new UnlockCredentials();
        try
        {
            secrets.Set(new TpmCredential(a.Get("tpm-device"), pin) { Pcrs = pcrs });
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pin);
        }
        return new NewProtectorPlan
        {
            Request = new ProtectorRequest { Kind = ProtectorKind.Tpm, Secrets = secrets, Kdf = kdf, Description = a.Get("description") ?? "" },
        };
    }

    internal static PcrSelection? ParsePcrs(string? text)
    {
        if (text is null) return null;
        try
        {
            return PcrSelection.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.InvalidArgument, $"--pcrs: {e.Message}");
        }
    }
}

/// <summary>
/// <c>protector reseal</c>: re-seal TPM protectors to the current PCR values after an intended change;
/// <c>protector suspend</c> / <c>protector resume</c>: seal them to no PCR around such a change, then back.
/// </summary>
public sealed class TpmCommands : ICommandGroup
{
    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "protector reseal", Summary = "re-seal TPM protectors to the current PCR values", Arguments = "CONTAINER", MinArguments = 1, Unlocks = true,
            Description = "After an intended change of measured state (firmware update), unlock with any protector (e.g. the recovery\n" +
                          "password), then re-seal every tpm protector (or only the one named by --protector-id) to the current PCR\n" +
                          "values; --pcrs changes the PCR set. A PIN protector needs a PIN (--pin-stdin, after any passphrase): it becomes\n" +
                          "the protector's PIN (not checked against the old one). If a PIN is missing nothing is resealed.",
            Options = [TpmNewProtectorOptions.Pcrs, .. NewProtectors.KdfOptionList],
            Run = Reseal,
        },
        new CliCommand
        {
            Name = "protector suspend", Summary = "suspend TPM protection before an intended change (firmware update)", Arguments = "CONTAINER",
            MinArguments = 1, Unlocks = true,
            Description = "Unlock with any protector; every tpm protector is then sealed to no PCR (still to this TPM, still behind its\n" +
                          "PIN) and remembers its PCRs, so TPM unlock keeps working through the change. Run 'blockcrypt protector resume'\n" +
                          "afterwards. A PIN protector needs its PIN (--pin-stdin, after any passphrase).",
            Options = [.. NewProtectors.KdfOptionList],
            Run = c => SetSuspended(c, suspend: true),
        },
        new CliCommand
        {
            Name = "protector resume", Summary = "resume TPM protection: seal suspended protectors to their PCRs again", Arguments = "CONTAINER",
            MinArguments = 1, Unlocks = true,
            Description = "After the intended change, seal every suspended tpm protector again to the PCRs it recorded, at their current\n" +
                          "values. A PIN protector needs its PIN (--pin-stdin, after any passphrase).",
            Run = c => SetSuspended(c, suspend: false),
        },
    ];

    private static int SetSuspended(CommandContext c, bool suspend)
    {
        using var credentials = c.UnlockCredentials();
        using var volume = Volume.Volume.Open(c.Arg(0));
        using var unlocked = volume.Unlock(credentials);
        if (!unlocked.GetStatus().Protectors.Any(p => p.Kind == ProtectorKind.Tpm))
            throw new CliException(ExitCodes.InvalidArgument, $"This volume has no tpm protector to {(suspend ? "suspend" : "resume")}.");
        var given = credentials.Get<TpmCredential>();
        using var credential = new TpmCredential(c.Args.Get("tpm-device"), given is null ? [] : given.Pin);
        IReadOnlyList<Guid> changed = suspend
            ? unlocked.SuspendTpmProtection(credential, NewProtectors.Kdf(c.Args))
            : unlocked.ResumeTpmProtection(credential);
        var now = unlocked.GetStatus().Protectors.ToDictionary(p => p.Id);
        foreach (Guid id in changed)
        {
            string pcrs = "sha256:" + string.Join(',', now[id].Pcrs);
            c.Out.WriteLine(suspend
                ? $"Suspended tpm protector {id}: sealed to no PCR until 'blockcrypt protector resume' (then PCRs {pcrs})"
                : $"Resumed tpm protector {id}: sealed to PCRs {pcrs} at their current values");
        }
        if (changed.Count == 0) c.Out.WriteLine(suspend ? "TPM protection is already suspended." : "TPM protection is not suspended; nothing to resume.");
        return ExitCodes.Ok;
    }

    private static int Reseal(CommandContext c)
    {
        using var credentials = c.UnlockCredentials();
        // --protector-id names the protector to reseal, not the one to unlock with: that one's PCRs have usually
        // changed, so unlocking goes through any other protector (e.g. the recovery password).
        Guid? target = credentials.ProtectorId;
        credentials.ProtectorId = null;
        using var volume = Volume.Volume.Open(c.Arg(0));
        using var unlocked = volume.Unlock(credentials);
        var newPcrs = TpmNewProtectorOptions.ParsePcrs(c.Args.Get("pcrs"));
        var ids = unlocked.GetStatus().Protectors
            .Where(p => p.Kind == ProtectorKind.Tpm && (target is null || target == p.Id))
            .Select(p => p.Id).ToList();
        if (ids.Count == 0)
            throw new CliException(ExitCodes.InvalidArgument, target is null
                ? "This volume has no tpm protector to reseal."
                : $"Protector {target} is not a tpm protector of this volume.");
        var given = credentials.Get<TpmCredential>();
        var kdf = NewProtectors.Kdf(c.Args);
        // Check every protector before changing any: a PIN protector without a PIN must not leave the others resealed.
        var plan = ids.Select(id => (Id: id, Seal: TpmProtectorHandler.Inspect(unlocked, id))).ToList();
        if (given is null || given.Pin.IsEmpty)
        {
            var needsPin = plan.Where(p => p.Seal.HasPin).Select(p => p.Id.ToString()).ToList();
            if (needsPin.Count > 0)
                throw new CliException(ExitCodes.Refused,
                    $"tpm protector{(needsPin.Count > 1 ? "s" : "")} {string.Join(", ", needsPin)} ha{(needsPin.Count > 1 ? "ve" : "s")} a PIN: give it with --pin-stdin (nothing was resealed).");
        }
        else if (!plan.Any(p => p.Seal.HasPin))
        {
            c.Err.WriteLine("note: no tpm protector being resealed has a PIN; the PIN given was not used.");
        }
        foreach (var (id, (hasPin, oldPcrs)) in plan)
        {
            // The PIN goes only to protectors that have one: it must not add a PIN to a PIN-less protector.
            using var credential = new TpmCredential(c.Args.Get("tpm-device"), hasPin && given is not null ? given.Pin : []) { Pcrs = newPcrs ?? oldPcrs };
            TpmProtectorHandler.Reseal(unlocked, id, credential, kdf);
            c.Out.WriteLine($"Resealed tpm protector {id} to PCRs {credential.Pcrs}");
        }
        return ExitCodes.Ok;
    }
}

/// <summary>TPM failures exit with code 11 and their own message.</summary>
public sealed class TpmErrorMapper : IErrorMapper
{
    /// <inheritdoc/>
    public bool TryMap(Exception exception, out int exitCode, out string message)
    {
        exitCode = ExitCodes.Tpm;
        message = exception.Message;
        return exception is TpmException
               || exception is VolumeException { Code: VolumeErrorCode.ProtectorFailure, InnerException: TpmException };
    }
}
