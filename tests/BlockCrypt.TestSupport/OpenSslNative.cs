using System.Runtime.InteropServices;

namespace BlockCrypt.TestSupport;

/// <summary>
/// The few libcrypto (OpenSSL 3) EVP entry points the XTS differential tests and benchmarks need, declared from
/// OpenSSL's public headers (evp.h). Source-generated, blittable P/Invoke.
/// </summary>
internal static unsafe partial class OpenSslNative
{
    /// <summary>OpenSSL 3's libcrypto soname on Linux.</summary>
    public const string LibCrypto = "libcrypto.so.3";

    [LibraryImport(LibCrypto, EntryPoint = "EVP_CIPHER_CTX_new")]
    public static partial SafeEvpCipherCtxHandle EVP_CIPHER_CTX_new();

    [LibraryImport(LibCrypto, EntryPoint = "EVP_CIPHER_CTX_free")]
    public static partial void EVP_CIPHER_CTX_free(nint ctx);

    [LibraryImport(LibCrypto, EntryPoint = "EVP_aes_128_xts")]
    public static partial nint EVP_aes_128_xts();

    [LibraryImport(LibCrypto, EntryPoint = "EVP_aes_256_xts")]
    public static partial nint EVP_aes_256_xts();

    /// <summary>int EVP_CipherInit_ex(ctx, cipher, engine, key, iv, enc): NULL cipher/key keeps the current ones; enc -1 keeps the direction.</summary>
    [LibraryImport(LibCrypto, EntryPoint = "EVP_CipherInit_ex")]
    public static partial int EVP_CipherInit_ex(SafeEvpCipherCtxHandle ctx, nint cipher, nint engine, byte* key, byte* iv, int enc);

    /// <summary>int EVP_CipherUpdate(ctx, out, outl, in, inl): for XTS each call is one whole data unit.</summary>
    [LibraryImport(LibCrypto, EntryPoint = "EVP_CipherUpdate")]
    public static partial int EVP_CipherUpdate(SafeEvpCipherCtxHandle ctx, byte* output, out int outputLength, byte* input, int inputLength);
}

/// <summary>An owned EVP_CIPHER_CTX*.</summary>
internal sealed class SafeEvpCipherCtxHandle : SafeHandle
{
    public SafeEvpCipherCtxHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OpenSslNative.EVP_CIPHER_CTX_free(handle);
        return true;
    }
}
