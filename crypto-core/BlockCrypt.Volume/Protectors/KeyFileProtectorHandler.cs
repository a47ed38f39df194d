using System.Security.Cryptography;
using BlockCrypt.Crypto.KeyWrap;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// Startup key file: 32 random bytes kept outside the volume. KEK = HKDF-SHA256(key file, salt,
/// "BlockCrypt v1 key file KEK" || protector id). Full-entropy input, so no stretching (docs/format.md §5.3).
/// </summary>
public sealed class KeyFileProtectorHandler : IProtectorHandler
{
    /// <summary>Size of a key file.</summary>
    public const int KeyFileLength = 32;

    private const int SaltLength = 32;
    private const string Label = "BlockCrypt v1 key file KEK";

    /// <inheritdoc/>
    public ProtectorKind Kind => ProtectorKind.KeyFile;

    /// <inheritdoc/>
    public string Name => "keyfile";

    /// <inheritdoc/>
    public int UnlockOrder => 0;

    /// <inheritdoc/>
    public bool HasCredential(UnlockCredentials credentials) => credentials.KeyFiles.Count > 0;

    /// <inheritdoc/>
    public ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek)
    {
        byte[] keyFile = new byte[KeyFileLength];
        bool generated = context.Secrets.KeyFiles.Count == 0;
        if (generated) RandomNumberGenerator.Fill(keyFile);
        else if (context.Secrets.KeyFiles[0].Length != KeyFileLength)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, $"A key file is {KeyFileLength} bytes.");
        else context.Secrets.KeyFiles[0].Span.CopyTo(keyFile);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltLength);
        Derive(keyFile, salt, context.ProtectorId, kek);
        if (!generated) CryptographicOperations.ZeroMemory(keyFile);
        return new ProtectorCreateResult { Parameters = salt, KeyFile = generated ? keyFile : null };
    }

    /// <inheritdoc/>
    public bool TryUnlock(ProtectorRecord record, ProtectorUnlockContext context, KekProbe probe)
    {
        if (record.Parameters.Length != SaltLength)
            throw new VolumeException(VolumeErrorCode.MetadataDamaged, $"Protector {record.Id} has malformed key-file parameters.");
        Span<byte> kek = stackalloc byte[32];
        try
        {
            foreach (var file in context.Credentials.KeyFiles)
            {
                if (file.Length != KeyFileLength) continue;
                Derive(file.Span, record.Parameters, record.Id, kek);
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
    public string Describe(ProtectorRecord record) => "hkdf-sha256 (32-byte key file)";

    private static void Derive(ReadOnlySpan<byte> keyFile, ReadOnlySpan<byte> salt, Guid protectorId, Span<byte> kek)
    {
        Span<byte> id = stackalloc byte[16];
        protectorId.TryWriteBytes(id);
        KeyDerivation.DeriveKey(keyFile, salt, Label, id, kek);
    }
}
