using System.Security.Cryptography;
using BlockCrypt.Storage;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using BlockCrypt.Volume;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>
/// Options that describe a NEW protector of one or more kinds (for <c>format</c> and <c>protector add</c>). The
/// TPM/PKCS#11 areas add a class implementing this (found by reflection) for their kind's options.
/// </summary>
public interface INewProtectorOptions
{
    /// <summary>The kind names (<c>--kind</c> values) this class builds requests for.</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>Options it adds to <c>protector add</c>.</summary>
    IReadOnlyList<CliOption> Options { get; }

    /// <summary>
    /// Builds the request for <paramref name="kind"/>. Side effects that must happen before the metadata is written
    /// (writing a key file) go here; <see cref="NewProtectorPlan.Undo"/> reverts them when the command fails.
    /// </summary>
    NewProtectorPlan Prepare(string kind, CommandContext context, KdfOptions kdf);
}

/// <summary>A prepared protector request with what to print or undo afterwards.</summary>
public sealed class NewProtectorPlan
{
    /// <summary>The request to pass to the volume.</summary>
    public required ProtectorRequest Request { get; init; }

    /// <summary>Printed on stdout after success (e.g. the recovery password when it was not written to a file).</summary>
    public string? Announcement { get; init; }

    /// <summary>Reverts side effects when the command fails (delete a written key file).</summary>
    public Action Undo { get; init; } = static () => { };
}

/// <summary>Shared option sets and helpers for new protectors.</summary>
public static class NewProtectors
{
    /// <summary>Argon2id cost options (LUKS2 names).</summary>
    public static readonly CliOption[] KdfOptionList =
    [
        new("pbkdf-memory", "KiB", "Argon2id memory in KiB (default: calibrated, up to 1 GiB and half the RAM)"),
        new("iter-time", "MS", "calibrate Argon2id to take about MS milliseconds (default 2000)"),
        new("pbkdf-force-iterations", "N", "fixed Argon2id passes (no time calibration)"),
        new("pbkdf-parallel", "N", "Argon2id lanes (default 4)"),
    ];

    /// <summary>Every provider of new-protector options.</summary>
    public static IReadOnlyList<INewProtectorOptions> Providers { get; } = Discovery.Create<INewProtectorOptions>();

    /// <summary>Reads the KDF options.</summary>
    public static KdfOptions Kdf(ParsedArgs a) => new()
    {
        MemoryKiB = a.Get("pbkdf-memory") is string m ? Sizes.ParseInt(m, "pbkdf-memory") : null,
        IterTimeMs = a.Get("iter-time") is string t ? Sizes.ParseInt(t, "iter-time") : null,
        ForceIterations = a.Get("pbkdf-force-iterations") is string n ? Sizes.ParseInt(n, "pbkdf-force-iterations") : null,
        Lanes = a.Get("pbkdf-parallel") is string p ? Sizes.ParseInt(p, "pbkdf-parallel") : KdfOptions.DefaultLanes,
    };

    /// <summary>Prepares a protector of <paramref name="kind"/> through the provider that handles it.</summary>
    public static NewProtectorPlan Prepare(string kind, CommandContext context)
    {
        var provider = Providers.FirstOrDefault(p => p.Kinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
            ?? throw CliException.Usage($"Unknown protector kind '{kind}' (known: {string.Join(", ", Providers.SelectMany(p => p.Kinds))}).");
        return provider.Prepare(kind.ToLowerInvariant(), context, Kdf(context.Args));
    }

    /// <summary>Fails early (before anything is written) when an output file exists or its folder does not.</summary>
    public static void CheckOutputPath(string path)
    {
        if (File.Exists(path)) throw new CliException(ExitCodes.Refused, $"'{path}' already exists; refusing to overwrite it.");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new FileNotFoundException($"Folder '{dir}' not found.", dir);
    }

    /// <summary>Writes a new file (never overwriting), readable by its owner only, and syncs it.</summary>
    public static void WriteNewFile(string path, ReadOnlySpan<byte> bytes)
    {
        using var stream = OwnerOnlyFile.Create(path);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}

/// <summary>New passphrase, recovery-password and key-file protectors.</summary>
public sealed class BuiltInNewProtectorOptions : INewProtectorOptions
{
    /// <inheritdoc/>
    public IReadOnlyList<string> Kinds { get; } = ["passphrase", "recovery", "keyfile"];

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options { get; } =
    [
        new("new-passphrase-file", "FILE", "passphrase of the new protector (default: next line of standard input)"),
        new("recovery-password-out", "FILE", "write the new recovery password to FILE instead of printing it"),
        new("key-file-out", "FILE", "write the new 32-byte startup key to FILE (must not exist)"),
        new("description", "TEXT", "description of the new protector"),
    ];

    /// <inheritdoc/>
    public NewProtectorPlan Prepare(string kind, CommandContext context, KdfOptions kdf)
    {
        var a = context.Args;
        var secrets = new UnlockCredentials();
        string description = a.Get("description") ?? "";
        switch (kind)
        {
            case "passphrase":
                secrets.AddPassphrase(a.Get("new-passphrase-file") is string f ? SecretInput.ReadFirstLine(f) : context.Stdin.ReadLine("the new passphrase"));
                return new NewProtectorPlan { Request = new ProtectorRequest { Kind = ProtectorKind.Passphrase, Secrets = secrets, Kdf = kdf, Description = description } };
            case "recovery":
            {
                Span<byte> key = stackalloc byte[RecoveryPassword.KeyLength];
                string password = RecoveryPassword.Generate(key);
                CryptographicOperations.ZeroMemory(key);
                secrets.AddRecoveryPassword(password);
                string? file = a.Get("recovery-password-out");
                if (file is not null)
                {
                    NewProtectors.CheckOutputPath(file);
                    NewProtectors.WriteNewFile(file, System.Text.Encoding.ASCII.GetBytes(password + "\n"));
                }
                return new NewProtectorPlan
                {
                    Request = new ProtectorRequest { Kind = ProtectorKind.Recovery, Secrets = secrets, Kdf = kdf, Description = description },
                    Announcement = file is null ? $"Recovery password (shown once; keep it safe): {password}" : $"Recovery password written to {file}",
                    Undo = () => { if (file is not null) File.Delete(file); },
                };
            }
            case "keyfile":
            {
                string file = a.Get("key-file-out") ?? throw CliException.Usage("A key-file protector needs --key-file-out FILE.");
                NewProtectors.CheckOutputPath(file);
                byte[] key = RandomNumberGenerator.GetBytes(KeyFileProtectorHandler.KeyFileLength);
                try
                {
                    NewProtectors.WriteNewFile(file, key);
                    secrets.AddKeyFile(key);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
                return new NewProtectorPlan
                {
                    Request = new ProtectorRequest { Kind = ProtectorKind.KeyFile, Secrets = secrets, Kdf = kdf, Description = description },
                    Announcement = $"Startup key written to {file}",
                    Undo = () => File.Delete(file),
                };
            }
            default:
                throw CliException.Usage($"Unknown protector kind '{kind}'.");
        }
    }
}
