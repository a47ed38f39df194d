namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Entry point logic: finds the command (longest match of command words), parses its options, runs it, and maps any
/// failure to one line on stderr and an exit code (<see cref="ExitCodes"/>); never a stack trace.
/// </summary>
public sealed class CliApp
{
    private readonly List<CliCommand> _commands;
    private readonly List<IErrorMapper> _mappers;

    /// <summary>Creates the app with every discovered command group and error mapper.</summary>
    public CliApp()
    {
        _commands = [.. Discovery.Create<ICommandGroup>().SelectMany(g => g.Commands).OrderBy(c => c.Name, StringComparer.Ordinal)];
        _mappers = Discovery.Create<IErrorMapper>();
    }

    /// <summary>Every command.</summary>
    public IReadOnlyList<CliCommand> Commands => _commands;

    /// <summary>Runs one invocation and returns the exit code.</summary>
    public int Run(string[] args, CliConsole console)
    {
        try
        {
            if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
            {
                if (args.Length > 1 && Find(args[1..], out var c, out _)) PrintCommandHelp(c!, console.Out);
                else PrintMainHelp(console.Out);
                return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
            }
            if (args[0] == "--version")
            {
                console.Out.WriteLine($"blockcrypt {typeof(CliApp).Assembly.GetName().Version}");
                return ExitCodes.Ok;
            }
            if (!Find(args, out var command, out int consumed))
                throw CliException.Usage($"Unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(2))}'. Run 'blockcrypt --help'.");
            if (args.Skip(consumed).Any(a => a is "--help" or "-h"))
            {
                PrintCommandHelp(command!, console.Out);
                return ExitCodes.Ok;
            }
            var parsed = Parse(command!, args[consumed..]);
            return command!.Run(new CommandContext(command, parsed, console));
        }
        catch (Exception e)
        {
            var (code, message) = ExitCodes.Map(e, _mappers);
            console.Error.WriteLine($"blockcrypt: {message}");
            if (Environment.GetEnvironmentVariable("BLOCKCRYPT_DEBUG") == "1") console.Error.WriteLine(e);
            return code;
        }
    }

    private bool Find(string[] args, out CliCommand? command, out int consumed)
    {
        command = null;
        consumed = 0;
        for (int words = Math.Min(3, args.Length); words >= 1; words--)
        {
            string name = string.Join(' ', args.Take(words));
            command = _commands.FirstOrDefault(c => c.Name == name);
            if (command is not null)
            {
                consumed = words;
                return true;
            }
        }
        return false;
    }

    /// <summary>All options a command accepts (its own plus the unlock options when it unlocks).</summary>
    public static IReadOnlyList<CliOption> OptionsOf(CliCommand command) =>
        command.Unlocks ? [.. command.Options.Concat(UnlockOptions.All).DistinctBy(o => o.Name)] : command.Options;

    private static ParsedArgs Parse(CliCommand command, string[] args)
    {
        var options = OptionsOf(command).ToDictionary(o => o.Name, StringComparer.Ordinal);
        var parsed = new ParsedArgs();
        bool onlyPositionals = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (onlyPositionals || !a.StartsWith("--", StringComparison.Ordinal) || a == "-")
            {
                parsed.Positionals.Add(a);
                continue;
            }
            if (a == "--")
            {
                onlyPositionals = true;
                continue;
            }
            string name = a[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            if (!options.TryGetValue(name, out var option))
                throw CliException.Usage($"Unknown option '--{name}' for '{command.Name}'. Run 'blockcrypt {command.Name} --help'.");
            if (parsed.Has(name) && !option.Repeatable)
                throw CliException.Usage($"Option '--{name}' given twice.");
            if (option.ValueName is null)
            {
                if (inline is not null) throw CliException.Usage($"Option '--{name}' takes no value.");
                parsed.Add(name, null);
            }
            else
            {
                string? value = inline ?? (i + 1 < args.Length ? args[++i] : null);
                if (value is null) throw CliException.Usage($"Option '--{name}' needs a value ({option.ValueName}).");
                parsed.Add(name, value);
            }
        }
        int max = command.MaxArguments ?? command.MinArguments;
        if (parsed.Positionals.Count < command.MinArguments || parsed.Positionals.Count > max)
            throw CliException.Usage($"Usage: blockcrypt {command.Name} {command.Arguments} [options]. Run 'blockcrypt {command.Name} --help'.");
        return parsed;
    }

    private void PrintMainHelp(TextWriter w)
    {
        w.WriteLine("blockcrypt - BitLocker-class volume encryption (AES-XTS data, Argon2id/recovery/key-file/TPM/HSM protectors)");
        w.WriteLine();
        w.WriteLine("Usage: blockcrypt COMMAND [ARGS] [OPTIONS]      blockcrypt COMMAND --help for details");
        w.WriteLine();
        w.WriteLine("Commands:");
        foreach (var c in _commands) w.WriteLine($"  {c.Name,-20} {c.Summary}");
        w.WriteLine();
        w.WriteLine("Unlock options (every command that unlocks a volume):");
        foreach (var o in UnlockOptions.All) WriteOption(w, o);
        w.WriteLine("  Several secrets on standard input come one per line, the unlocking secret first.");
        w.WriteLine();
        w.WriteLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.Table) w.WriteLine($"  {code,3}  {meaning}");
    }

    private static void PrintCommandHelp(CliCommand c, TextWriter w)
    {
        w.WriteLine($"Usage: blockcrypt {c.Name} {c.Arguments} [options]".TrimEnd());
        w.WriteLine();
        w.WriteLine(c.Summary);
        if (c.Description.Length > 0)
        {
            w.WriteLine();
            w.WriteLine(c.Description);
        }
        if (c.Options.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("Options:");
            foreach (var o in c.Options) WriteOption(w, o);
        }
        if (c.Unlocks)
        {
            w.WriteLine();
            w.WriteLine("Unlock options:");
            foreach (var o in UnlockOptions.All) WriteOption(w, o);
        }
        w.WriteLine();
        w.WriteLine("Exit codes: see 'blockcrypt --help'.");
    }

    private static void WriteOption(TextWriter w, CliOption o)
    {
        string left = o.ValueName is null ? $"--{o.Name}" : $"--{o.Name} {o.ValueName}";
        w.WriteLine($"  {left,-32} {o.Help}{(o.Repeatable ? " (repeatable)" : "")}");
    }
}
