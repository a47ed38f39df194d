using BlockCrypt.Volume;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Contributes unlock options to every command that unlocks (<c>status</c>, <c>protector</c>, <c>mount</c> ...). The
/// built-in provider handles passphrase, recovery password and key file; the TPM and PKCS#11 areas add a provider each
/// in their own file (found by reflection) and attach their credential object with <see cref="UnlockCredentials.Set{T}"/>.
/// </summary>
public interface IUnlockOptionProvider
{
    /// <summary>Order among providers (built-in is 0). Stdin secrets are consumed in this order.</summary>
    int Order { get; }

    /// <summary>The options this provider adds.</summary>
    IReadOnlyList<CliOption> Options { get; }

    /// <summary>Adds what the parsed options give to <paramref name="credentials"/>.</summary>
    void Apply(ParsedArgs args, UnlockCredentials credentials, SecretInput stdin);
}

/// <summary>The shared unlock-option parser: every provider's options, and building credentials from them.</summary>
public static class UnlockOptions
{
    private static IReadOnlyList<IUnlockOptionProvider>? s_providers;

    /// <summary>Every provider (built-in first).</summary>
    public static IReadOnlyList<IUnlockOptionProvider> Providers => s_providers ??= Discovery.Create<IUnlockOptionProvider>()
        .OrderBy(p => p.Order).ToList();

    /// <summary>Every unlock option, for parsing and help.</summary>
    public static IEnumerable<CliOption> All => Providers.SelectMany(p => p.Options);

    /// <summary>Builds the unlocking credentials from the parsed options; stdin secrets are read in provider order.</summary>
    public static UnlockCredentials Build(ParsedArgs args, SecretInput stdin)
    {
        var credentials = new UnlockCredentials();
        try
        {
            foreach (var provider in Providers) provider.Apply(args, credentials, stdin);
            return credentials;
        }
        catch
        {
            credentials.Dispose();
            throw;
        }
    }
}

/// <summary>Built-in unlock options: passphrase (stdin or file), recovery password (argument or file), key file.</summary>
public sealed class BuiltInUnlockOptions : IUnlockOptionProvider
{
    /// <inheritdoc/>
    public int Order => 0;

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options { get; } =
    [
        new("passphrase-stdin", null, "read the passphrase from standard input (first line)"),
        new("passphrase-file", "FILE", "read the passphrase from the first line of FILE", Repeatable: true),
        new("recovery-password", "PASSWORD", "48-digit recovery password (dashes and spaces optional)", Repeatable: true),
        new("recovery-password-file", "FILE", "read the recovery password from FILE", Repeatable: true),
        new("key-file", "FILE", "startup key file (32 bytes)", Repeatable: true),
        new("protector-id", "GUID", "try only this protector"),
    ];

    /// <inheritdoc/>
    public void Apply(ParsedArgs args, UnlockCredentials credentials, SecretInput stdin)
    {
        if (args.Has("passphrase-stdin")) credentials.AddPassphrase(stdin.ReadLine("the passphrase"));
        foreach (string file in args.GetAll("passphrase-file")) credentials.AddPassphrase(SecretInput.ReadFirstLine(file));
        foreach (string password in args.GetAll("recovery-password")) credentials.AddRecoveryPassword(password);
        foreach (string file in args.GetAll("recovery-password-file")) credentials.AddRecoveryPassword(SecretInput.ReadFirstLine(file));
        foreach (string file in args.GetAll("key-file")) credentials.AddKeyFileFrom(file);
        if (args.Get("protector-id") is string id)
            credentials.ProtectorId = Guid.TryParse(id, out Guid g) ? g : throw CliException.Usage($"'{id}' is not a protector id.");
    }
}
