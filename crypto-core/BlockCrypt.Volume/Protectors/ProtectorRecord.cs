namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// One protector as stored in the metadata (docs/format.md §4): the VMK wrapped under a key-encryption key (KEK) that
/// the protector's handler derives or unseals from a credential and its kind-specific <see cref="Parameters"/>.
/// </summary>
public sealed class ProtectorRecord
{
    /// <summary>Largest description in UTF-8 bytes.</summary>
    public const int MaxDescriptionBytes = 256;

    /// <summary>Largest kind-specific parameter blob.</summary>
    public const int MaxParametersLength = 16 * 1024;

    /// <summary>Unique id of the protector.</summary>
    public required Guid Id { get; init; }

    /// <summary>Kind; selects the handler.</summary>
    public required ProtectorKind Kind { get; init; }

    /// <summary>Creation time (UTC, whole seconds on disk).</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>Free text shown by <c>protector list</c>; may be empty.</summary>
    public string Description { get; init; } = "";

    /// <summary>Opaque kind-specific parameters (salt, KDF cost, sealed blob ...), interpreted only by the handler.</summary>
    public required byte[] Parameters { get; set; }

    /// <summary>The VMK wrapped under the KEK with AES-256-GCM (<see cref="BlockCrypt.Crypto.KeyWrap.AesGcmKeyWrap"/>).</summary>
    public required byte[] WrappedVmk { get; set; }
}
