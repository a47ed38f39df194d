using System.Security.Cryptography;

namespace BlockCrypt.Tpm.Sessions;

/// <summary>
/// An authorization session started with <see cref="TpmClient.StartAuthSession"/>: handle, rolling nonces
/// (Part 1 §19.6.2), the session key derived from the salt (§19.6.8) and, for policy sessions, whether PolicyAuthValue
/// or PolicyPassword has been run. Unbound sessions only (bind = TPM_RH_NULL). Not thread-safe; dispose zeroes the key.
/// </summary>
public sealed class TpmSession : IDisposable
{
    internal TpmSession(uint handle, TpmSessionType type, byte[] sessionKey, byte[] nonceCaller, byte[] nonceTpm, bool symmetric)
    {
        Handle = handle;
        Type = type;
        SessionKey = sessionKey;
        NonceCaller = nonceCaller;
        NonceTpm = nonceTpm;
        HasSymmetric = symmetric;
    }

    /// <summary>The session handle (0x02xxxxxx HMAC, 0x03xxxxxx policy).</summary>
    public uint Handle { get; }

    /// <summary>HMAC, policy or trial.</summary>
    public TpmSessionType Type { get; }

    /// <summary>True when the session was started with AES-128-CFB and may encrypt parameters.</summary>
    public bool HasSymmetric { get; }

    /// <summary>True when the session was salted (its key is not empty).</summary>
    public bool IsSalted => SessionKey.Length != 0;

    internal byte[] SessionKey { get; }
    internal byte[] NonceCaller { get; set; }
    internal byte[] NonceTpm { get; set; }

    /// <summary>Set by PolicyAuthValue: the object's authValue enters the HMAC key (Part 1 §19.6.13).</summary>
    internal bool AuthValueNeeded { get; set; }

    /// <summary>Set by PolicyPassword: the authValue is sent in clear in the HMAC field.</summary>
    internal bool PasswordNeeded { get; set; }

    /// <summary>Whether the entity's authValue is part of the HMAC and parameter-encryption keys.</summary>
    internal bool IncludesAuthValue => Type == TpmSessionType.Hmac || AuthValueNeeded;

    /// <summary>sessionKey || authValue (trailing zeros removed, Part 1 §19.6.5), when the authValue is included.</summary>
    internal byte[] HmacKey(ReadOnlySpan<byte> authValue)
    {
        var auth = IncludesAuthValue ? TrimTrailingZeros(authValue) : [];
        byte[] key = new byte[SessionKey.Length + auth.Length];
        SessionKey.CopyTo(key, 0);
        auth.CopyTo(key.AsSpan(SessionKey.Length));
        return key;
    }

    /// <summary>
    /// The parameter-encryption key: sessionKey || authValue of the authorized entity, whether or not the policy asked
    /// for the authValue in the HMAC (Part 1 §21.1; the reference code adds the entity's authValue for every
    /// authorization session, which matters after PolicyPassword).
    /// </summary>
    internal byte[] EncryptionKey(ReadOnlySpan<byte> authValue)
    {
        var auth = TrimTrailingZeros(authValue);
        byte[] key = new byte[SessionKey.Length + auth.Length];
        SessionKey.CopyTo(key, 0);
        auth.CopyTo(key.AsSpan(SessionKey.Length));
        return key;
    }

    /// <summary>The TPM removes trailing zero octets from authValues before using them (Part 1 §19.6.5 / §17.6.3).</summary>
    public static ReadOnlySpan<byte> TrimTrailingZeros(ReadOnlySpan<byte> value)
    {
        int n = value.Length;
        while (n > 0 && value[n - 1] == 0) n--;
        return value[..n];
    }

    /// <summary>Zeroes the session key and nonces (the TPM-side session must be flushed separately).</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SessionKey);
        CryptographicOperations.ZeroMemory(NonceCaller);
        CryptographicOperations.ZeroMemory(NonceTpm);
    }
}

/// <summary>How one authorization handle of a command is authorized.</summary>
public sealed class TpmAuth
{
    private TpmAuth(TpmSession? session, byte[] authValue, TpmaSession attributes)
    {
        Session = session;
        AuthValue = authValue;
        Attributes = attributes;
    }

    /// <summary>The session, or null for a password authorization (TPM_RS_PW).</summary>
    public TpmSession? Session { get; }

    /// <summary>The entity's authValue (owned by the caller, who zeroes it).</summary>
    public byte[] AuthValue { get; }

    /// <summary>Session attributes sent (continueSession is always added).</summary>
    public TpmaSession Attributes { get; }

    /// <summary>A password session (Part 1 §19.8.4); an empty password for the owner/lockout hierarchies by default.</summary>
    public static TpmAuth Password(byte[]? password = null) => new(null, password ?? [], TpmaSession.ContinueSession);

    /// <summary>An HMAC or policy session; add <see cref="TpmaSession.Decrypt"/>/<see cref="TpmaSession.Encrypt"/> for parameter encryption.</summary>
    public static TpmAuth With(TpmSession session, byte[]? authValue = null, TpmaSession attributes = TpmaSession.None)
    {
        ArgumentNullException.ThrowIfNull(session);
        if ((attributes & (TpmaSession.Decrypt | TpmaSession.Encrypt)) != 0 && !session.HasSymmetric)
            throw new ArgumentException("parameter encryption needs a session started with a symmetric algorithm", nameof(attributes));
        return new(session, authValue ?? [], attributes | TpmaSession.ContinueSession);
    }
}
