using System.Text;
using BlockCrypt.Crypto.Secrets;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume;

/// <summary>
/// The secrets offered to unlock a volume (or to create or re-wrap a protector). Several of each kind may be given:
/// unlocking tries every protector whose secret is present; rotation needs the secret of every protector.
/// Other protector kinds (TPM, PKCS#11) add their own credential object with <see cref="Set{T}"/> from their own file.
/// </summary>
/// <remarks>Secrets are held in pinned buffers zeroed by <see cref="Dispose"/>, which also disposes extensions that are <see cref="IDisposable"/>.</remarks>
public sealed class UnlockCredentials : IDisposable
{
    private readonly List<SecretBuffer> _passphrases = [];
    private readonly List<SecretBuffer> _recoveryKeys = [];
    private readonly List<SecretBuffer> _keyFiles = [];
    private readonly Dictionary<Type, object> _extensions = [];

    /// <summary>Passphrases as UTF-8 bytes.</summary>
    public IReadOnlyList<SecretBuffer> Passphrases => _passphrases;

    /// <summary>Recovery keys: the 16 bytes a recovery password encodes.</summary>
    public IReadOnlyList<SecretBuffer> RecoveryKeys => _recoveryKeys;

    /// <summary>Startup key file contents (32 bytes each).</summary>
    public IReadOnlyList<SecretBuffer> KeyFiles => _keyFiles;

    /// <summary>When set, only this protector is tried.</summary>
    public Guid? ProtectorId { get; set; }

    /// <summary>True when no secret of any kind (built-in or extension) was given.</summary>
    public bool IsEmpty => _passphrases.Count == 0 && _recoveryKeys.Count == 0 && _keyFiles.Count == 0 && _extensions.Count == 0;

    /// <summary>Adds a passphrase (UTF-8 encoded into a pinned buffer; the string itself cannot be wiped by .NET).</summary>
    public UnlockCredentials AddPassphrase(string passphrase)
    {
        var buffer = new SecretBuffer(Encoding.UTF8.GetByteCount(passphrase));
        Encoding.UTF8.GetBytes(passphrase, buffer.Span);
        _passphrases.Add(buffer);
        return this;
    }

    /// <summary>Adds a passphrase given as UTF-8 bytes (copied).</summary>
    public UnlockCredentials AddPassphrase(ReadOnlySpan<byte> utf8)
    {
        _passphrases.Add(SecretBuffer.CopyOf(utf8));
        return this;
    }

    /// <summary>Adds a recovery password in BitLocker's format (dashes, spaces or none).</summary>
    /// <exception cref="VolumeException"><see cref="VolumeErrorCode.InvalidRecoveryPassword"/>, naming the bad group.</exception>
    public UnlockCredentials AddRecoveryPassword(string recoveryPassword)
    {
        var key = new SecretBuffer(RecoveryPassword.KeyLength);
        try
        {
            RecoveryPassword.Parse(recoveryPassword, key.Span);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        _recoveryKeys.Add(key);
        return this;
    }

    /// <summary>Adds the contents of a startup key file.</summary>
    public UnlockCredentials AddKeyFile(ReadOnlySpan<byte> contents)
    {
        _keyFiles.Add(SecretBuffer.CopyOf(contents));
        return this;
    }

    /// <summary>Reads a startup key file (it must be exactly 32 bytes).</summary>
    /// <exception cref="VolumeException">The file is missing or not a key file.</exception>
    public UnlockCredentials AddKeyFileFrom(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new FileNotFoundException($"Key file '{path}' not found.", path);
            if (info.Length != KeyFileProtectorHandler.KeyFileLength)
                throw new VolumeException(VolumeErrorCode.InvalidArgument, $"'{path}' is not a BlockCrypt key file (it must be {KeyFileProtectorHandler.KeyFileLength} bytes).");
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new VolumeException(VolumeErrorCode.Io, $"Cannot read key file '{path}': {e.Message}", e);
        }
        try
        {
            return AddKeyFile(bytes);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Attaches a credential for another protector kind (one object per type; a second call replaces it).</summary>
    public void Set<T>(T credential) where T : class => _extensions[typeof(T)] = credential;

    /// <summary>The credential of type <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>() where T : class => _extensions.TryGetValue(typeof(T), out object? value) ? (T)value : null;

    /// <summary>Zeroes every secret and disposes disposable extensions.</summary>
    public void Dispose()
    {
        foreach (var list in new[] { _passphrases, _recoveryKeys, _keyFiles })
        {
            foreach (var secret in list) secret.Dispose();
            list.Clear();
        }
        foreach (object extension in _extensions.Values) (extension as IDisposable)?.Dispose();
        _extensions.Clear();
    }
}
