using System.Buffers.Binary;
using System.Security.Cryptography;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume;

/// <summary>Key hierarchy: associated data of the wraps, the metadata MAC, and committing an update (docs/format.md §3.3, §4, §6).</summary>
public sealed partial class Volume
{
    private const string MacLabel = "BlockCrypt v1 metadata MAC";

    internal VolumeMetadata Metadata => _metadata;

    /// <summary>AAD of a protector's VMK wrap: "BCv1-VMK" || volume id || protector id || kind (u16) || format version (u16) || SHA-256(parameters).</summary>
    internal byte[] VmkAad(ProtectorRecord record) => VmkAad(_metadata.VolumeId, record);

    internal static byte[] VmkAad(Guid volumeId, ProtectorRecord record)
    {
        byte[] aad = new byte[8 + 16 + 16 + 2 + 2 + 32];
        "BCv1-VMK"u8.CopyTo(aad);
        volumeId.TryWriteBytes(aad.AsSpan(8));
        record.Id.TryWriteBytes(aad.AsSpan(24));
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(40), (ushort)record.Kind);
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(42), MetadataLayout.FormatVersion);
        SHA256.HashData(record.Parameters, aad.AsSpan(44));
        return aad;
    }

    /// <summary>AAD of the FVEK wrap: "BCv1-FVK" || volume id || version || cipher || sector size || data offset || data size.</summary>
    internal static byte[] FvekAad(VolumeMetadata m)
    {
        byte[] aad = new byte[8 + 16 + 2 + 2 + 4 + 8 + 8];
        "BCv1-FVK"u8.CopyTo(aad);
        m.VolumeId.TryWriteBytes(aad.AsSpan(8));
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(24), MetadataLayout.FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(26), (ushort)m.Cipher);
        BinaryPrimitives.WriteInt32LittleEndian(aad.AsSpan(28), m.SectorSize);
        BinaryPrimitives.WriteInt64LittleEndian(aad.AsSpan(32), m.DataOffset);
        BinaryPrimitives.WriteInt64LittleEndian(aad.AsSpan(40), m.DataSize);
        return aad;
    }

    private static void MacKey(ReadOnlySpan<byte> vmk, Guid volumeId, Span<byte> key)
    {
        Span<byte> salt = stackalloc byte[16];
        volumeId.TryWriteBytes(salt);
        KeyDerivation.DeriveKey(vmk, salt, MacLabel, default, key);
    }

    private bool VerifyMac(ReadOnlySpan<byte> copy, ReadOnlySpan<byte> vmk)
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            MacKey(vmk, _metadata.VolumeId, key);
            return KeyDerivation.VerifyMac(key, MetadataCodec.MacInput(copy), _metadata.Mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Serializes <paramref name="metadata"/> with its MAC under <paramref name="vmk"/>.</summary>
    internal static byte[] SerializeAuthenticated(VolumeMetadata metadata, ReadOnlySpan<byte> vmk)
    {
        metadata.Mac = new byte[MetadataLayout.MacLength];
        byte[] copy = MetadataCodec.Serialize(metadata);
        Span<byte> key = stackalloc byte[32];
        try
        {
            MacKey(vmk, metadata.VolumeId, key);
            KeyDerivation.Mac(key, MetadataCodec.MacInput(copy), metadata.Mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
        metadata.Mac.CopyTo(copy.AsSpan(copy.Length - MetadataLayout.MacLength - MetadataLayout.ChecksumLength));
        MetadataCodec.SetChecksum(copy);
        return copy;
    }

    /// <summary>Commits new metadata: MAC, then every copy in turn with the next sequence, each synced.</summary>
    internal void Commit(VolumeMetadata metadata, ReadOnlySpan<byte> vmk)
    {
        if (IsReadOnly) throw new VolumeException(VolumeErrorCode.InvalidArgument, "The volume is open read-only.");
        metadata.Sequence = _maxSequence + 1;
        byte[] copy = SerializeAuthenticated(metadata, vmk);
        MetadataStore.Write(_container, copy, metadata.Sequence);
        _metadata = metadata;
        _metadataBytes = copy;
        _maxSequence = metadata.Sequence;
        _copies = [.. Enumerable.Range(0, MetadataLayout.CopyCount)
            .Select(i => new CopyHealth(i, MetadataLayout.CopyOffset(i), CopyState.Current, metadata.Sequence, ""))];
    }

    /// <summary>Builds the decrypted data device with <paramref name="fvek"/>.</summary>
    internal EncryptedBlockDevice CreateDevice(ReadOnlySpan<byte> fvek, bool readOnly) => new(
        _container, _metadata.DataOffset / _container.SectorSize, _metadata.DataSize / _metadata.SectorSize, _metadata.SectorSize,
        fvek, readOnly || IsReadOnly);

    /// <summary>Creates a protector record wrapping <paramref name="vmk"/>.</summary>
    internal static (ProtectorRecord Record, ProtectorAddResult Result) NewProtector(Guid volumeId, ProtectorRequest request, ReadOnlySpan<byte> vmk)
    {
        var handler = ProtectorHandlers.Find(request.Kind)
            ?? throw new VolumeException(VolumeErrorCode.UnknownProtectorKind, $"This build cannot create '{ProtectorHandlers.NameOf(request.Kind)}' protectors.");
        if (System.Text.Encoding.UTF8.GetByteCount(request.Description) > ProtectorRecord.MaxDescriptionBytes)
            throw new VolumeException(VolumeErrorCode.InvalidArgument, $"A description is at most {ProtectorRecord.MaxDescriptionBytes} bytes.");
        Guid id = Guid.NewGuid();
        Span<byte> kek = stackalloc byte[32];
        try
        {
            var created = handler.Create(new ProtectorCreateContext { VolumeId = volumeId, ProtectorId = id, Secrets = request.Secrets, Kdf = request.Kdf }, kek);
            if (created.Parameters.Length > ProtectorRecord.MaxParametersLength)
                throw new VolumeException(VolumeErrorCode.MetadataFull, "The protector's parameters are too large.");
            var record = new ProtectorRecord
            {
                Id = id, Kind = request.Kind, Created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                Description = request.Description, Parameters = created.Parameters, WrappedVmk = new byte[AesGcmKeyWrap.WrappedLength(32)],
            };
            AesGcmKeyWrap.Wrap(kek, vmk, VmkAad(volumeId, record), record.WrappedVmk);
            return (record, new ProtectorAddResult { Id = id, Kind = request.Kind, RecoveryPassword = created.RecoveryPassword, KeyFile = created.KeyFile });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>Container device over a whole file or block device (512-byte sectors).</summary>
    internal static IBlockDevice ContainerOver(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length, bool readOnly) =>
        new FileBlockDevice(handle, 0, length / MetadataLayout.IoSectorSize, MetadataLayout.IoSectorSize, readOnly, ownsHandle: true);
}
