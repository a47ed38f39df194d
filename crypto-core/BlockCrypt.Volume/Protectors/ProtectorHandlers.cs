using System.Collections.Concurrent;

namespace BlockCrypt.Volume.Protectors;

/// <summary>
/// The handler table (cryptsetup's keyslot handler list): protector kind → handler. Built-in kinds are registered
/// below, one line each; the TPM (issue 4) and PKCS#11 (issue 8) handlers add their line here too, or call
/// <see cref="Register"/> at start-up.
/// </summary>
public static class ProtectorHandlers
{
    private static readonly ConcurrentDictionary<ProtectorKind, IProtectorHandler> s_handlers = new();

    static ProtectorHandlers()
    {
        Register(new PassphraseProtectorHandler());
        Register(new RecoveryProtectorHandler());
        Register(new KeyFileProtectorHandler());
        Register(new CustomerKey.Pkcs11ProtectorHandler());
        Register(new TpmProtectorHandler());
    }

    /// <summary>Adds or replaces the handler of its kind.</summary>
    public static void Register(IProtectorHandler handler) => s_handlers[handler.Kind] = handler;

    /// <summary>The handler of <paramref name="kind"/>, or null when this build has none.</summary>
    public static IProtectorHandler? Find(ProtectorKind kind) => s_handlers.TryGetValue(kind, out var h) ? h : null;

    /// <summary>The handler whose <see cref="IProtectorHandler.Name"/> is <paramref name="name"/> (case-insensitive), or null.</summary>
    public static IProtectorHandler? FindByName(string name) =>
        s_handlers.Values.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every registered handler, in unlock order.</summary>
    public static IReadOnlyList<IProtectorHandler> All => [.. s_handlers.Values.OrderBy(h => h.UnlockOrder)];

    /// <summary>Display name of a kind, also for kinds without a handler in this build.</summary>
    public static string NameOf(ProtectorKind kind) => Find(kind)?.Name ?? kind switch
    {
        ProtectorKind.Tpm => "tpm",
        ProtectorKind.Pkcs11 => "pkcs11",
        _ => $"kind-{(ushort)kind}",
    };
}
