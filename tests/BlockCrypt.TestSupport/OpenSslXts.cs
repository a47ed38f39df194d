using System.Buffers.Binary;
using System.Security.Cryptography;

namespace BlockCrypt.TestSupport;

/// <summary>
/// XTS-AES through OpenSSL's libcrypto EVP interface (EVP_aes_128_xts / EVP_aes_256_xts): the reference the XTS
/// engine is checked and benchmarked against. The IV is the 16-byte little-endian data unit number, set per sector,
/// and each EVP_CipherUpdate call is one whole data unit (OpenSSL applies ciphertext stealing to partial blocks).
/// Not thread-safe (one EVP context per direction).
/// </summary>
public sealed unsafe class OpenSslXts : IDisposable
{
    private readonly SafeEvpCipherCtxHandle _encrypt;
    private readonly SafeEvpCipherCtxHandle _decrypt;

    /// <summary>Creates contexts for a 32-byte (AES-128-XTS) or 64-byte (AES-256-XTS) key.</summary>
    public OpenSslXts(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32 && key.Length != 64)
        {
            throw new ArgumentException("An XTS key is 32 or 64 bytes.", nameof(key));
        }

        nint cipher = key.Length == 32 ? OpenSslNative.EVP_aes_128_xts() : OpenSslNative.EVP_aes_256_xts();
        _encrypt = Create(cipher, key, 1);
        _decrypt = Create(cipher, key, 0);
    }

    /// <summary>Encrypts consecutive sectors numbered from <paramref name="firstSector"/> (128-bit, carries past 2^64).</summary>
    public void EncryptSectors(ReadOnlySpan<byte> source, Span<byte> destination, UInt128 firstSector, int sectorSize) =>
        Sectors(_encrypt, source, destination, firstSector, sectorSize);

    /// <summary>Decrypts consecutive sectors numbered from <paramref name="firstSector"/>.</summary>
    public void DecryptSectors(ReadOnlySpan<byte> source, Span<byte> destination, UInt128 firstSector, int sectorSize) =>
        Sectors(_decrypt, source, destination, firstSector, sectorSize);

    /// <summary>Encrypts one data unit of any length &gt;= 16 (ciphertext stealing for partial blocks).</summary>
    public void EncryptDataUnit(ReadOnlySpan<byte> source, Span<byte> destination, UInt128 tweak) =>
        Sectors(_encrypt, source, destination, tweak, source.Length);

    /// <summary>Decrypts one data unit of any length &gt;= 16.</summary>
    public void DecryptDataUnit(ReadOnlySpan<byte> source, Span<byte> destination, UInt128 tweak) =>
        Sectors(_decrypt, source, destination, tweak, source.Length);

    public void Dispose()
    {
        _encrypt.Dispose();
        _decrypt.Dispose();
    }

    private static SafeEvpCipherCtxHandle Create(nint cipher, ReadOnlySpan<byte> key, int enc)
    {
        SafeEvpCipherCtxHandle ctx = OpenSslNative.EVP_CIPHER_CTX_new();
        if (ctx.IsInvalid)
        {
            throw new CryptographicException("EVP_CIPHER_CTX_new failed.");
        }

        fixed (byte* k = key)
        {
            if (OpenSslNative.EVP_CipherInit_ex(ctx, cipher, 0, k, null, enc) != 1)
            {
                ctx.Dispose();
                throw new CryptographicException("EVP_CipherInit_ex refused the XTS key (OpenSSL refuses equal halves).");
            }
        }

        return ctx;
    }

    private static void Sectors(
        SafeEvpCipherCtxHandle ctx, ReadOnlySpan<byte> source, Span<byte> destination, UInt128 firstSector, int sectorSize)
    {
        if (sectorSize <= 0 || source.Length % sectorSize != 0 || destination.Length < source.Length)
        {
            throw new ArgumentException("Source must be a whole number of sectors and destination at least as long.");
        }

        byte* iv = stackalloc byte[16];
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            int count = source.Length / sectorSize;
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(new Span<byte>(iv, 16), firstSector + (UInt128)i);
                nint offset = (nint)i * sectorSize;
                if (OpenSslNative.EVP_CipherInit_ex(ctx, 0, 0, null, iv, -1) != 1
                    || OpenSslNative.EVP_CipherUpdate(ctx, dst + offset, out int written, src + offset, sectorSize) != 1
                    || written != sectorSize)
                {
                    throw new CryptographicException("OpenSSL EVP XTS operation failed.");
                }
            }
        }
    }
}
