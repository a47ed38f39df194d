namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// A group of commands in its own file (format, protector, header, mount ...). Every non-abstract class implementing
/// this in the CLI assembly is found at start-up, so adding commands never edits the parser.
/// </summary>
public interface ICommandGroup
{
    /// <summary>The commands of this group.</summary>
    IEnumerable<CliCommand> Commands { get; }
}

/// <summary>An option a command accepts.</summary>
/// <param name="Name">Long name without dashes (<c>size</c> for <c>--size</c>).</param>
/// <param name="ValueName">Name of its value in help (<c>SIZE</c>), or null for a flag.</param>
/// <param name="Help">One-line explanation.</param>
/// <param name="Repeatable">Whether it may be given more than once.</param>
public sealed record CliOption(string Name, string? ValueName, string Help, bool Repeatable = false);

/// <summary>A command: words (<c>protector add</c>), positional arguments, options, help text and its action.</summary>
public sealed class CliCommand
{
    /// <summary>Command words separated by a space, e.g. <c>"protector add"</c>.</summary>
    public required string Name { get; init; }

    /// <summary>One line for the command list.</summary>
    public required string Summary { get; init; }

    /// <summary>Positional arguments in help (<c>CONTAINER FILE</c>).</summary>
    public string Arguments { get; init; } = "";

    /// <summary>Longer explanation printed by <c>--help</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>Options specific to this command.</summary>
    public IReadOnlyList<CliOption> Options { get; init; } = [];

    /// <summary>Accepts the shared unlock options (<see cref="UnlockOptions"/>).</summary>
    public bool Unlocks { get; init; }

    /// <summary>Exact number of positional arguments (or minimum when <see cref="MaxArguments"/> is larger).</summary>
    public int MinArguments { get; init; }

    /// <summary>Maximum positional arguments (defaults to <see cref="MinArguments"/>).</summary>
    public int? MaxArguments { get; init; }

    /// <summary>Runs the command; returns the exit code. Throws product exceptions for expected failures.</summary>
    public required Func<CommandContext, int> Run { get; init; }
}

/// <summary>Parsed arguments of one invocation.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string?>> _options = new(StringComparer.Ordinal);

    /// <summary>Positional arguments.</summary>
    public List<string> Positionals { get; } = [];

    internal void Add(string name, string? value)
    {
        if (!_options.TryGetValue(name, out var list)) _options[name] = list = [];
        list.Add(value);
    }

    /// <summary>True when the option or flag was given.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The option's last value, or null.</summary>
    public string? Get(string name) => _options.TryGetValue(name, out var list) ? list[^1] : null;

    /// <summary>Every value of a repeatable option, in order.</summary>
    public IReadOnlyList<string> GetAll(string name) =>
        _options.TryGetValue(name, out var list) ? [.. list.Where(v => v is not null).Select(v => v!)] : [];

    /// <summary>Names of every option given, in the order first seen.</summary>
    public IEnumerable<string> Names => _options.Keys;
}
