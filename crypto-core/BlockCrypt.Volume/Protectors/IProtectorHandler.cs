using BlockCrypt.Volume.Kdf;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// Offers a candidate key-encryption key (32 bytes) to the volume, which tries to unwrap the protector's VMK with it.
/// Returns true when it unwrapped (the handler then stops); the span is only valid during the call.
/// </summary>
public delegate bool KekProbe(ReadOnlySpan<byte> kek);

/// <summary>
/// One protector kind, shaped like a cryptsetup keyslot handler: it turns a credential plus its own opaque parameter
/// blob into the 32-byte key-encryption key (KEK) that wraps the VMK. The volume does the wrapping (AES-256-GCM with
/// associated data binding volume id, protector id, kind, parameters and format version), so a handler never sees the
/// VMK or the FVEK. A new kind is one class implementing this plus one line in <see cref="ProtectorHandlers"/>.
/// </summary>
/// <remarks>Handlers are stateless singletons and must be thread-safe. Expected failures are <see cref="VolumeException"/>s.</remarks>
public interface IProtectorHandler
{
    /// <summary>The kind stored on disk.</summary>
    ProtectorKind Kind { get; }

    /// <summary>Name used on the command line (<c>--kind passphrase</c>) and in status output.</summary>
    string Name { get; }

    /// <summary>Order in which unlocking tries kinds: cheap and non-interactive first (key file 0 ... passphrase 100).</summary>
    int UnlockOrder { get; }

    /// <summary>Whether <paramref name="credentials"/> carries anything this kind could try.</summary>
    bool HasCredential(UnlockCredentials credentials);

    /// <summary>
    /// Creates a new protector: takes its secret from <see cref="ProtectorCreateContext.Secrets"/> (or generates one,
    /// returned in the result), writes the 32-byte KEK into <paramref name="kek"/> and returns the parameter blob
    /// (at most <see cref="ProtectorRecord.MaxParametersLength"/> bytes).
    /// </summary>
    /// <exception cref="VolumeException">The needed secret is missing (<see cref="VolumeErrorCode.SecretMissing"/>) or the kind's device failed.</exception>
    ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek);

    /// <summary>
    /// Derives or unseals candidate KEKs from the credentials and <paramref name="record"/>'s parameters and offers each to
    /// <paramref name="probe"/>; returns true as soon as one is accepted, false when none is (wrong credential).
    /// Parameters read here are not yet authenticated: bounds-check everything.
    /// </summary>
    /// <exception cref="VolumeException">Malformed or below-floor parameters, or a device failure the user must act on.</exception>
    bool TryUnlock(ProtectorRecord record, ProtectorUnlockContext context, KekProbe probe);

    /// <summary>One line describing the parameters for status output (e.g. KDF cost); never secret.</summary>
    string Describe(ProtectorRecord record);
}

/// <summary>What a handler needs to create a protector.</summary>
public sealed class ProtectorCreateContext
{
    /// <summary>The volume's id.</summary>
    public required Guid VolumeId { get; init; }

    /// <summary>The new protector's id.</summary>
    public required Guid ProtectorId { get; init; }

    /// <summary>The new protector's secret(s): the first passphrase, recovery key, key file or kind-specific credential.</summary>
    public required UnlockCredentials Secrets { get; init; }

    /// <summary>KDF cost choice for kinds that stretch a secret.</summary>
    public KdfOptions Kdf { get; init; } = new();
}

/// <summary>What a handler needs to unlock.</summary>
public sealed class ProtectorUnlockContext
{
    /// <summary>The volume's id.</summary>
    public required Guid VolumeId { get; init; }

    /// <summary>The credentials offered.</summary>
    public required UnlockCredentials Credentials { get; init; }
}

/// <summary>The outcome of <see cref="IProtectorHandler.Create"/>.</summary>
public sealed class ProtectorCreateResult
{
    /// <summary>The kind-specific parameter blob stored in the record.</summary>
    public required byte[] Parameters { get; init; }

    /// <summary>A generated recovery password to show the user once, or null.</summary>
    public string? RecoveryPassword { get; init; }

    /// <summary>Generated key-file contents the caller must save, or null. Zeroed when the caller disposes the add result.</summary>
    public byte[]? KeyFile { get; init; }
}
