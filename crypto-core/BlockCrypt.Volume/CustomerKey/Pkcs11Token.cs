using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// A logged-in read/write session with one token of a PKCS#11 module: the entry point of the customer-key layer.
/// Open it with <see cref="Open"/>, get a key with <see cref="GetKey"/> / <see cref="FindKey"/>, then wrap or unwrap through
/// the returned <see cref="ICustomerKeyWrapper"/>. Disposing closes the session (closing an application's last session on
/// a token returns it to the public state, PKCS#11 v2.40 §5.6) and releases the module. Not thread-safe.
/// </summary>
public sealed partial class Pkcs11Token : IDisposable
{
    private readonly Pkcs11Module _module;
    private readonly ISlot _slot;
    private readonly ISession _session;
    private HashSet<CKM>? _mechanisms;
    private bool _disposed;

    private Pkcs11Token(Pkcs11Module module, ISlot slot, ISession session, string modulePath, string tokenLabel)
    {
        _module = module;
        _slot = slot;
        _session = session;
        ModulePath = modulePath;
        TokenLabel = tokenLabel;
    }

    /// <summary>The module path this session was opened with.</summary>
    public string ModulePath { get; }

    /// <summary>The token label.</summary>
    public string TokenLabel { get; }

    /// <summary>
    /// Loads <paramref name="modulePath"/> (shared per process), finds the token labelled <paramref name="tokenLabel"/>,
    /// opens a read/write session and logs in as CKU_USER with <paramref name="pin"/>. The PIN is copied into a pinned
    /// buffer that is zeroed right after C_Login (a byte[] is blittable, so the interop layer pins it rather than copying).
    /// If another session of this process is already logged in to the token, the PIN is not checked again (v2.40 §5.6).
    /// </summary>
    /// <exception cref="CustomerKeyException">ModuleUnavailable, TokenMissing, WrongPin, PinLocked or DeviceError.</exception>
    public static Pkcs11Token Open(string modulePath, string tokenLabel, ReadOnlySpan<byte> pin)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenLabel);
        Pkcs11Module module = Pkcs11Module.Acquire(modulePath);
        ISession? session = null;
        try
        {
            ISlot slot = FindSlot(module.Library, tokenLabel);
            session = slot.OpenSession(SessionType.ReadWrite);
            Login(session, pin, tokenLabel);
            return new Pkcs11Token(module, slot, session, modulePath, tokenLabel);
        }
        catch (Exception e)
        {
            session?.Dispose();
            module.Release();
            if (e is Pkcs11Exception p)
            {
                throw Pkcs11Errors.Map(p, $"token '{tokenLabel}'");
            }

            throw;
        }
    }

    /// <summary>The slot whose token carries <paramref name="tokenLabel"/>.</summary>
    private static ISlot FindSlot(IPkcs11Library library, string tokenLabel)
    {
        foreach (ISlot slot in library.GetSlotList(SlotsType.WithTokenPresent))
        {
            // CK_TOKEN_INFO.label is 32 bytes blank-padded (v2.40 §3.2).
            if (string.Equals(slot.GetTokenInfo().Label.TrimEnd(' ', '\0'), tokenLabel, StringComparison.Ordinal))
            {
                return slot;
            }
        }

        throw new CustomerKeyException(CustomerKeyError.TokenMissing, $"no token labelled '{tokenLabel}' in the PKCS#11 module");
    }

    private static void Login(ISession session, ReadOnlySpan<byte> pin, string tokenLabel)
    {
        byte[] copy = GC.AllocateUninitializedArray<byte>(pin.Length, pinned: true);
        try
        {
            pin.CopyTo(copy);
            session.Login(CKU.CKU_USER, copy);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Login state is per application and token (v2.40 §5.6): another open session of this process already
            // logged in, so the PIN is not checked again. Nothing to do.
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, $"login to token '{tokenLabel}'");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <summary>True when the token lists <paramref name="mechanism"/> (C_GetMechanismList).</summary>
    internal bool Supports(CKM mechanism)
    {
        _mechanisms ??= new HashSet<CKM>(_slot.GetMechanismList());
        return _mechanisms.Contains(mechanism);
    }

    internal ISession Session
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _session;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _session.Dispose();
        }
        finally
        {
            _module.Release();
        }
    }
}
