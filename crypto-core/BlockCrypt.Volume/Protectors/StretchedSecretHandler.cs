using System.Security.Cryptography;
using BlockCrypt.Crypto.Secrets;
using BlockCrypt.Volume.Kdf;

namespace BlockCrypt.Volume.Protectors;

/// <summary>Shared logic of the kinds whose KEK is Argon2id(secret, salt) with stored cost parameters (docs/format.md §5.1).</summary>
public abstract class StretchedSecretHandler : IProtectorHandler
{
    /// <inheritdoc/>
    public abstract ProtectorKind Kind { get; }

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract int UnlockOrder { get; }

    /// <summary>The candidate secrets of this kind in <paramref name="credentials"/>.</summary>
    protected abstract IReadOnlyList<SecretBuffer> Secrets(UnlockCredentials credentials);

    /// <inheritdoc/>
    public bool HasCredential(UnlockCredentials credentials) => Secrets(credentials).Count > 0;

    /// <inheritdoc/>
    public abstract ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek);

    /// <summary>Resolves the cost, draws a salt, derives the KEK from <paramref name="secret"/> and returns the parameter blob.</summary>
    protected static byte[] CreateFrom(ReadOnlySpan<byte> secret, KdfOptions options, Span<byte> kek)
    {
        Argon2idParameters parameters = options.Resolve();
        Span<byte> salt = stackalloc byte[Argon2idParameters.SaltLength];
        RandomNumberGenerator.Fill(salt);
        Argon2idKdf.Derive(secret, salt, parameters, kek);
        return parameters.Encode(salt);
    }

    /// <inheritdoc/>
    public bool TryUnlock(ProtectorRecord record, ProtectorUnlockContext context, KekProbe probe)
    {
        var (parameters, salt) = Decode(record);
        Span<byte> kek = stackalloc byte[32];
        try
        {
            foreach (SecretBuffer secret in Secrets(context.Credentials))
            {
                Argon2idKdf.Derive(secret.Span, salt.Span, parameters, kek);
                if (probe(kek)) return true;
            }
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <inheritdoc/>
    public string Describe(ProtectorRecord record)
    {
        try
        {
            var (p, _) = Decode(record);
            return $"argon2id m={p.MemoryKiB} KiB t={p.Iterations} p={p.Lanes}";
        }
        catch (VolumeException e)
        {
            return e.Message;
        }
    }

    private static (Argon2idParameters Parameters, ReadOnlyMemory<byte> Salt) Decode(ProtectorRecord record)
    {
        if (!Argon2idParameters.TryDecode(record.Parameters, out var parameters, out var salt))
            throw new VolumeException(VolumeErrorCode.MetadataDamaged, $"Protector {record.Id} has malformed KDF parameters.");
        string? problem = parameters.CheckBounds();
        if (problem is not null)
            throw new VolumeException(VolumeErrorCode.KdfBelowFloor, $"Protector {record.Id} refused: {problem}.");
        return (parameters, salt.ToArray());
    }
}

/// <summary>Passphrase protector: KEK = Argon2id(UTF-8 passphrase, salt) with calibrated cost.</summary>
public sealed class PassphraseProtectorHandler : StretchedSecretHandler
{
    /// <inheritdoc/>
    public override ProtectorKind Kind => ProtectorKind.Passphrase;

    /// <inheritdoc/>
    public override string Name => "passphrase";

    /// <inheritdoc/>
    public override int UnlockOrder => 100;

    /// <inheritdoc/>
    protected override IReadOnlyList<SecretBuffer> Secrets(UnlockCredentials credentials) => credentials.Passphrases;

    /// <inheritdoc/>
    public override ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek)
    {
        if (context.Secrets.Passphrases.Count == 0)
            throw new VolumeException(VolumeErrorCode.SecretMissing, "A passphrase protector needs the new passphrase.");
        if (context.Secrets.Passphrases[0].Length == 0)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, "The passphrase is empty.");
        return new ProtectorCreateResult { Parameters = CreateFrom(context.Secrets.Passphrases[0].Span, context.Kdf, kek) };
    }
}

/// <summary>Recovery-password protector: KEK = Argon2id(16-byte recovery key, salt); the password is generated unless given.</summary>
public sealed class RecoveryProtectorHandler : StretchedSecretHandler
{
    /// <inheritdoc/>
    public override ProtectorKind Kind => ProtectorKind.Recovery;

    /// <inheritdoc/>
    public override string Name => "recovery";

    /// <inheritdoc/>
    public override int UnlockOrder => 90;

    /// <inheritdoc/>
    protected override IReadOnlyList<SecretBuffer> Secrets(UnlockCredentials credentials) => credentials.RecoveryKeys;

    /// <inheritdoc/>
    public override ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek)
    {
        using var key = new SecretBuffer(RecoveryPassword.KeyLength);
        if (context.Secrets.RecoveryKeys.Count > 0) context.Secrets.RecoveryKeys[0].Span.CopyTo(key.Span);
        else RandomNumberGenerator.Fill(key.Span);
        byte[] parameters = CreateFrom(key.Span, context.Kdf, kek);
        return new ProtectorCreateResult { Parameters = parameters, RecoveryPassword = RecoveryPassword.Format(key.Span) };
    }
}
