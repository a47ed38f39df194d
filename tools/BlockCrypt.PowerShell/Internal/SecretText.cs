using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>
/// Turns a <see cref="SecureString"/> into what the libraries take, keeping the plaintext as short-lived as .NET allows:
/// the SecureString is decrypted into unmanaged memory (zeroed and freed at once), encoded into a pinned byte array
/// (so the GC never leaves copies behind) and that array is zeroed by <see cref="PinnedSecret.Dispose"/>.
/// </summary>
internal static class SecretText
{
    /// <summary>UTF-8 bytes of <paramref name="secret"/> in a pinned array; dispose to zero it.</summary>
    public static PinnedSecret ToUtf8(SecureString secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            ReadOnlySpan<char> text;
            unsafe { text = new ReadOnlySpan<char>((void*)chars, secret.Length); }
            byte[] bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(text), pinned: true);
            Encoding.UTF8.GetBytes(text, bytes);
            return new PinnedSecret(bytes);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(chars);
        }
    }

    /// <summary>
    /// Calls <paramref name="use"/> with the secret as a string, for the one library API that only takes a string
    /// (<c>UnlockCredentials.AddRecoveryPassword</c>). The string is a fresh, non-interned allocation whose characters
    /// are overwritten with zeros afterwards; the GC may still have moved (copied) it while it was alive.
    /// </summary>
    public static void UseAsString(SecureString secret, Action<string> use)
    {
        ArgumentNullException.ThrowIfNull(secret);
        IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(secret);
        string text;
        try
        {
            unsafe { text = new string((char*)chars, 0, secret.Length); }
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(chars);
        }
        try
        {
            use(text);
        }
        finally
        {
            Wipe(text);
        }
    }

    /// <summary>Overwrites the characters of <paramref name="text"/>, a fresh string this module made, with zeros.</summary>
    public static void Wipe(string text)
    {
        unsafe
        {
            fixed (char* p = text) new Span<char>(p, text.Length).Clear();
        }
    }
}

/// <summary>A secret in a pinned array, zeroed on dispose.</summary>
internal sealed class PinnedSecret(byte[] bytes) : IDisposable
{
    /// <summary>The secret bytes (valid until disposed).</summary>
    public ReadOnlySpan<byte> Span => bytes;

    /// <summary>Zeroes the bytes.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(bytes);
}
