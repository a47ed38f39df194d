using BlockCrypt.Cli.CommandLine;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>protector add</c>, <c>protector remove</c> and <c>rotate</c>.</summary>
public sealed class ProtectorCommands : ICommandGroup
{
    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "protector add", Summary = "add a protector (passphrase, recovery, keyfile, ...)", Arguments = "CONTAINER", MinArguments = 1, Unlocks = true,
            Description = "Unlocks with the unlock options, then adds a protector of --kind. A new passphrase comes from\n" +
                          "--new-passphrase-file or the next line of standard input (after the unlocking secret).",
            Options = [new("kind", "KIND", $"kind of the new protector: {string.Join(", ", NewProtectors.Providers.SelectMany(p => p.Kinds))}"),
                       .. NewProtectors.Providers.SelectMany(p => p.Options), .. NewProtectors.KdfOptionList],
            Run = Add,
        },
        new CliCommand
        {
            Name = "protector remove", Summary = "remove a protector (never the last one)", Arguments = "CONTAINER PROTECTOR_ID", MinArguments = 2, Unlocks = true,
            Description = "Unlocks (with any protector, including the one being removed), then removes PROTECTOR_ID.",
            Run = c =>
            {
                if (!Guid.TryParse(c.Arg(1), out Guid id)) throw CliException.Usage($"'{c.Arg(1)}' is not a protector id.");
                var (volume, unlocked) = c.OpenUnlocked(c.Arg(0));
                using (volume)
                using (unlocked)
                {
                    unlocked.RemoveProtector(id);
                }
                c.Out.WriteLine($"Removed protector {id}");
                return ExitCodes.Ok;
            },
        },
        new CliCommand
        {
            Name = "rotate", Summary = "new volume master key; re-wrap the volume key and every protector", Arguments = "CONTAINER", MinArguments = 1, Unlocks = true,
            Description = "Makes a new VMK, re-wraps the FVEK and every protector under it (data is not re-encrypted). The secret of\n" +
                          "EVERY protector must be given with the unlock options (repeat them); otherwise nothing changes.",
            Run = c =>
            {
                using var credentials = c.UnlockCredentials();
                using var volume = Volume.Volume.Open(c.Arg(0));
                using var unlocked = volume.Unlock(credentials);
                unlocked.Rotate(credentials);
                c.Out.WriteLine("Rotated the volume master key.");
                return ExitCodes.Ok;
            },
        },
    ];

    private static int Add(CommandContext c)
    {
        string kind = c.Args.Get("kind") ?? throw CliException.Usage("protector add needs --kind.");
        var (volume, unlocked) = c.OpenUnlocked(c.Arg(0));
        using (volume)
        using (unlocked)
        {
            var plan = NewProtectors.Prepare(kind, c);
            try
            {
                using var result = unlocked.AddProtector(plan.Request);
                c.Out.WriteLine($"Added {kind} protector {result.Id}");
                if (plan.Announcement is not null) c.Out.WriteLine(plan.Announcement);
            }
            catch
            {
                plan.Undo();
                throw;
            }
            finally
            {
                plan.Request.Secrets.Dispose();
            }
        }
        return ExitCodes.Ok;
    }
}
