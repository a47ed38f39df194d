using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume.Format;

/// <summary>XTS cipher of the data area, as stored (u16).</summary>
public enum CipherKind : ushort
{
    /// <summary>AES-128-XTS (32-byte FVEK).</summary>
    AesXts128 = 1,
    /// <summary>AES-256-XTS (64-byte FVEK).</summary>
    AesXts256 = 2,
}

/// <summary>In-memory form of one metadata copy (the on-disk bytes are in <see cref="MetadataCodec"/>).</summary>
public sealed class VolumeMetadata
{
    /// <summary>Unique id of the volume.</summary>
    public required Guid VolumeId { get; init; }

    /// <summary>Update counter: a higher sequence is newer.</summary>
    public ulong Sequence { get; set; }

    /// <summary>Data cipher.</summary>
    public required CipherKind Cipher { get; init; }

    /// <summary>Data sector size (512 or 4096).</summary>
    public required int SectorSize { get; init; }

    /// <summary>Byte offset of the data area (1 MiB).</summary>
    public required long DataOffset { get; init; }

    /// <summary>Byte length of the data area.</summary>
    public required long DataSize { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>FVEK wrapped under the VMK.</summary>
    public required byte[] WrappedFvek { get; set; }

    /// <summary>The protectors, in order.</summary>
    public List<ProtectorRecord> Protectors { get; init; } = [];

    /// <summary>HMAC-SHA256 over the copy under the VMK-derived MAC key (docs/format.md §3.3).</summary>
    public byte[] Mac { get; set; } = new byte[MetadataLayout.MacLength];

    /// <summary>FVEK length of the cipher.</summary>
    public static int FvekLength(CipherKind cipher) => cipher == CipherKind.AesXts128 ? 32 : 64;

    /// <summary>CLI name of a cipher.</summary>
    public static string CipherName(CipherKind cipher) => cipher == CipherKind.AesXts128 ? "aes-xts-128" : "aes-xts-256";

    /// <summary>Deep copy (protector lists are edited on a copy, then committed).</summary>
    public VolumeMetadata Clone() => new()
    {
        VolumeId = VolumeId, Sequence = Sequence, Cipher = Cipher, SectorSize = SectorSize, DataOffset = DataOffset,
        DataSize = DataSize, Created = Created, WrappedFvek = (byte[])WrappedFvek.Clone(), Mac = (byte[])Mac.Clone(),
        Protectors = [.. Protectors.Select(p => new ProtectorRecord
        {
            Id = p.Id, Kind = p.Kind, Created = p.Created, Description = p.Description,
            Parameters = (byte[])p.Parameters.Clone(), WrappedVmk = (byte[])p.WrappedVmk.Clone(),
        })],
    };
}
