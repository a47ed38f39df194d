using System.Security.Cryptography;
using BlockCrypt.Crypto.KeyWrap;
using BlockCrypt.Crypto.Secrets;
using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume;

/// <summary>
/// An unlocked volume: holds the VMK and FVEK in pinned buffers (zeroed by <see cref="Dispose"/>), exposes the
/// decrypted data area as <see cref="Device"/>, and manages protectors. Metadata operations are not thread-safe;
/// <see cref="Device"/> is.
/// </summary>
public sealed class UnlockedVolume : IDisposable
{
    private readonly Volume _volume;
    private SecretBuffer _vmk;
    private readonly SecretBuffer _fvek;
    private EncryptedBlockDevice? _device;

    internal UnlockedVolume(Volume volume, SecretBuffer vmk, Guid unlockedBy)
    {
        _volume = volume;
        _vmk = vmk;
        UnlockedBy = unlockedBy;
        var m = volume.Metadata;
        _fvek = new SecretBuffer(VolumeMetadata.FvekLength(m.Cipher));
        if (!AesGcmKeyWrap.TryUnwrap(vmk.Span, m.WrappedFvek, Volume.FvekAad(m), _fvek.Span))
        {
            _fvek.Dispose();
            vmk.Dispose();
            throw new VolumeException(VolumeErrorCode.MetadataTampered, "The volume key does not unwrap under the VMK (metadata altered).");
        }
    }

    /// <summary>The locked view (status, backup, erase).</summary>
    public Volume Volume => _volume;

    /// <summary>Id of the protector that unlocked.</summary>
    public Guid UnlockedBy { get; }

    /// <summary>The decrypted data area, created on first use and disposed with this object.</summary>
    public IBlockDevice Device => _device ??= _volume.CreateDevice(_fvek.Span, readOnly: false);

    /// <summary>Length of the FVEK in bytes (32 or 64).</summary>
    public int VolumeKeyLength => _fvek.Length;

    /// <summary>Copies the FVEK (for <c>status --dump-volume-key</c> only; the caller zeroes its copy).</summary>
    public void CopyVolumeKey(Span<byte> destination) => _fvek.Span.CopyTo(destination);

    /// <summary>Layout, copies and protectors, now authenticated.</summary>
    public VolumeStatus GetStatus() => _volume.GetStatus();

    /// <summary>Creates a protector wrapping the VMK and commits the metadata.</summary>
    /// <exception cref="VolumeException">Missing secret, unknown kind, metadata full, I/O.</exception>
    public ProtectorAddResult AddProtector(ProtectorRequest request)
    {
        var metadata = _volume.Metadata.Clone();
        var (record, result) = Volume.NewProtector(metadata.VolumeId, request, _vmk.Span);
        metadata.Protectors.Add(record);
        try
        {
            _volume.Commit(metadata, _vmk.Span);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Removes a protector. The last one cannot be removed.</summary>
    public void RemoveProtector(Guid id)
    {
        var metadata = _volume.Metadata.Clone();
        int index = metadata.Protectors.FindIndex(p => p.Id == id);
        if (index < 0) throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No protector {id} on this volume.");
        if (metadata.Protectors.Count == 1)
            throw new VolumeException(VolumeErrorCode.LastProtector, "Refusing to remove the last protector: the volume could never be opened again.");
        metadata.Protectors.RemoveAt(index);
        _volume.Commit(metadata, _vmk.Span);
    }

    /// <summary>
    /// Replaces a protector's parameters and KEK (TPM reseal, HSM key rotation): the VMK is re-wrapped under
    /// <paramref name="kek"/> with the new <paramref name="parameters"/>; id, kind and description stay.
    /// </summary>
    public void ReplaceProtector(Guid id, byte[] parameters, ReadOnlySpan<byte> kek)
    {
        var metadata = _volume.Metadata.Clone();
        int index = metadata.Protectors.FindIndex(p => p.Id == id);
        if (index < 0) throw new VolumeException(VolumeErrorCode.ProtectorNotFound, $"No protector {id} on this volume.");
        if (parameters.Length > ProtectorRecord.MaxParametersLength)
            throw new VolumeException(VolumeErrorCode.MetadataFull, "The protector's parameters are too large.");
        var record = metadata.Protectors[index];
        record.Parameters = parameters;
        AesGcmKeyWrap.Wrap(kek, _vmk.Span, Volume.VmkAad(metadata.VolumeId, record), record.WrappedVmk);
        _volume.Commit(metadata, _vmk.Span);
    }

    /// <summary>
    /// Suspends TPM protection before an intended change of measured state (firmware or boot-chain update), the way
    /// Suspend-BitLocker does but without a clear key on disk: every tpm protector not yet suspended has its key
    /// unsealed (the TPM checks the PCRs and the PIN) and sealed again to no PCR, still bound to this TPM and still
    /// needing the PIN when it has one; its parameters record the PCRs it was bound to. Unlocking through the TPM then
    /// works whatever the PCRs hold, until <see cref="ResumeTpmProtection"/>. Each protector is committed on its own.
    /// </summary>
    /// <param name="credential">The TPM (device) and the PIN of PIN protectors; its <c>Pcrs</c> are not used.</param>
    /// <param name="kdf">Argon2id cost for a PIN protector resealed with a fresh key (only when the PCRs changed already).</param>
    /// <returns>The ids of the protectors suspended now (empty when all were suspended already).</returns>
    /// <exception cref="VolumeException">No tpm protector (ProtectorNotFound), PIN missing (SecretMissing), TPM failure (ProtectorFailure).</exception>
    public IReadOnlyList<Guid> SuspendTpmProtection(TpmCredential credential, KdfOptions? kdf = null) =>
        TpmProtectorHandler.SetSuspended(this, suspend: true, credential, kdf ?? new KdfOptions());

    /// <summary>
    /// Resumes TPM protection: every suspended tpm protector is sealed again to the PCRs it recorded, at their current
    /// values (so after the intended change), and its suspended mark cleared. Unsuspended protectors are left alone.
    /// </summary>
    /// <param name="credential">The TPM (device) and the PIN of PIN protectors.</param>
    /// <param name="kdf">Not used by resume (the PIN's Argon2id parameters stay); accepted for symmetry.</param>
    /// <returns>The ids of the protectors resumed now (empty when none was suspended).</returns>
    /// <exception cref="VolumeException">No tpm protector, PIN missing or wrong, TPM failure.</exception>
    public IReadOnlyList<Guid> ResumeTpmProtection(TpmCredential credential, KdfOptions? kdf = null) =>
        TpmProtectorHandler.SetSuspended(this, suspend: false, credential, kdf ?? KdfOptions.Minimal);

    /// <summary>
    /// Rotation: a new VMK re-wraps the FVEK and every protector, whose KEKs are derived from <paramref name="secrets"/>.
    /// Refused (nothing written) unless the secret of every protector is given; afterwards the old VMK opens nothing.
    /// </summary>
    public void Rotate(UnlockCredentials secrets)
    {
        var metadata = _volume.Metadata.Clone();
        using var newVmk = SecretBuffer.Random(32);
        using var check = new SecretBuffer(32);
        var missing = new List<string>();
        var context = new ProtectorUnlockContext { VolumeId = metadata.VolumeId, Credentials = secrets };
        foreach (var record in metadata.Protectors)
        {
            var handler = ProtectorHandlers.Find(record.Kind);
            bool done = false;
            if (handler is not null && handler.HasCredential(secrets))
            {
                byte[] aad = Volume.VmkAad(metadata.VolumeId, record);
                done = handler.TryUnlock(record, context, kek =>
                {
                    if (!AesGcmKeyWrap.TryUnwrap(kek, record.WrappedVmk, aad, check.Span)) return false;
                    AesGcmKeyWrap.Wrap(kek, newVmk.Span, aad, record.WrappedVmk);
                    return true;
                });
            }
            if (!done) missing.Add($"{record.Id} ({ProtectorHandlers.NameOf(record.Kind)})");
        }
        if (missing.Count > 0)
            throw new VolumeException(VolumeErrorCode.SecretMissing,
                $"Rotation needs the secret of every protector; missing or wrong for: {string.Join(", ", missing)}. Give them, or remove those protectors first.");
        AesGcmKeyWrap.Wrap(newVmk.Span, _fvek.Span, Volume.FvekAad(metadata), metadata.WrappedFvek);
        _volume.Commit(metadata, newVmk.Span);
        var old = _vmk;
        _vmk = SecretBuffer.CopyOf(newVmk.Span);
        old.Dispose();
    }

    /// <summary>Flushes and disposes the device, zeroes the keys. The <see cref="Volume"/> stays open (dispose it separately).</summary>
    public void Dispose()
    {
        if (_fvek.IsDisposed) return;
        try
        {
            _device?.Flush();
        }
        finally
        {
            _device?.Dispose();
            _vmk.Dispose();
            _fvek.Dispose();
        }
    }
}
