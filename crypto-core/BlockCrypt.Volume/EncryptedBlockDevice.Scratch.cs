namespace BlockCrypt.Volume;

/// <summary>
/// Write scratch: a few 1 MiB buffers owned by this device, so no per-request allocation and no shared pool. They only
/// ever hold ciphertext (what the backing device receives anyway) and never leave the device, so they are not cleared
/// per request (a 1 MiB memset costs as much as a tenth of the encryption); they are dropped at dispose.
/// </summary>
public sealed partial class EncryptedBlockDevice
{
    /// <summary>Bytes per scratch buffer: a whole number of sectors, about 1 MiB.</summary>
    private int ScratchBytes => Math.Max(SectorSize, MaxScratch / SectorSize * SectorSize);

    private readonly byte[]?[] _scratch = new byte[]?[Math.Max(2, Environment.ProcessorCount * 2)];

    private byte[] TakeScratch()
    {
        for (int i = 0; i < _scratch.Length; i++)
        {
            byte[]? b = Volatile.Read(ref _scratch[i]);
            if (b != null && Interlocked.CompareExchange(ref _scratch[i], null, b) == b) return b;
        }
        // Only while more requests than slots are in flight (or the first few times): the buffer is kept on return.
        return GC.AllocateUninitializedArray<byte>(ScratchBytes);
    }

    private void ReturnScratch(byte[] buffer)
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        for (int i = 0; i < _scratch.Length; i++)
            if (Interlocked.CompareExchange(ref _scratch[i], buffer, null) == null) return;
    }

    private void DropScratch()
    {
        for (int i = 0; i < _scratch.Length; i++) Volatile.Write(ref _scratch[i], null);
    }
}
