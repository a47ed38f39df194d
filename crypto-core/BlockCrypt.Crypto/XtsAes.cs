using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using AesArm = System.Runtime.Intrinsics.Arm.Aes;
using AesX86 = System.Runtime.Intrinsics.X86.Aes;

[assembly: InternalsVisibleTo("BlockCrypt.Crypto.Tests")]

namespace BlockCrypt.Crypto;

/// <summary>
/// XTS-AES (IEEE 1619-2018, NIST SP 800-38E) over whole sectors: the tweak of a sector is its number as a
/// 128-bit little-endian integer (the IEEE 1619 data unit sequence number; dm-crypt <c>plain64</c>; OpenSSL's XTS IV),
/// and a request covers consecutive sectors <c>firstSector, firstSector + 1, ...</c>.
/// </summary>
/// <remarks>
/// <para>The key is 32 bytes (AES-128-XTS) or 64 bytes (AES-256-XTS): Key1 (data) then Key2 (tweak). Round keys and
/// the key copy live in native memory, never moved by the GC, and are zeroed by <see cref="Dispose"/>.</para>
/// <para>Thread safety: after construction the key schedule is read-only, so any number of threads may call the
/// encrypt/decrypt methods concurrently. <see cref="Dispose"/> must not race with them.</para>
/// <para>Buffers: <c>source</c> and <c>destination</c> must be the same length; they may be the same memory
/// (in-place) but must not partially overlap.</para>
/// </remarks>
public sealed unsafe partial class XtsAes : IDisposable
{
    /// <summary>AES block size; XTS processes the data unit in blocks of this size (IEEE 1619 §5.3).</summary>
    public const int BlockSize = 16;

    /// <summary>Smallest accepted sector (data unit) size in bytes.</summary>
    public const int MinSectorSize = BlockSize;

    /// <summary>Largest accepted sector (data unit) size in bytes (IEEE 1619 allows up to 2^20 blocks; 1 MiB is our cap).</summary>
    public const int MaxSectorSize = 1 << 20;

    private readonly XtsImplementation _implementation;
    private readonly int _rounds;
    private readonly int _keySize;
    private readonly KeyMaterialHandle _materialHandle;
    private KeyMaterial* _material;
    private PortableCipher? _portable;

    /// <summary>Creates an engine on the fastest tier this machine supports.</summary>
    /// <param name="key">32 bytes (AES-128-XTS) or 64 bytes (AES-256-XTS); the two halves must differ.</param>
    /// <exception cref="ArgumentException">The key is not 32 or 64 bytes.</exception>
    /// <exception cref="CryptographicException">The two key halves are equal.</exception>
    public XtsAes(ReadOnlySpan<byte> key)
        : this(key, XtsImplementation.Auto)
    {
    }

    /// <summary>Creates an engine on a given tier (tests and benchmarks force tiers this way).</summary>
    /// <param name="key">32 bytes (AES-128-XTS) or 64 bytes (AES-256-XTS); the two halves must differ.</param>
    /// <param name="implementation">The tier, or <see cref="XtsImplementation.Auto"/>.</param>
    /// <exception cref="PlatformNotSupportedException">The forced tier is not supported here.</exception>
    public XtsAes(ReadOnlySpan<byte> key, XtsImplementation implementation)
        : this(key, implementation, allowEqualHalves: false)
    {
    }

    /// <summary>Test hook: IEEE 1619 Annex B vector 1 uses an all-zero key whose halves are equal.</summary>
    internal XtsAes(ReadOnlySpan<byte> key, XtsImplementation implementation, bool allowEqualHalves)
    {
        if (key.Length != 32 && key.Length != 64)
        {
            throw new ArgumentException(
                $"An XTS-AES key is 32 bytes (AES-128-XTS) or 64 bytes (AES-256-XTS), not {key.Length} bytes.", nameof(key));
        }

        int half = key.Length / 2;
        // SP 800-38E / IEEE 1619-2018 §5.1: Key1 and Key2 must be different (FIPS 140 implementation guidance A.9).
        if (!allowEqualHalves && CryptographicOperations.FixedTimeEquals(key[..half], key[half..]))
        {
            throw new CryptographicException(
                "XTS-AES key refused: its two halves (data key and tweak key) are equal, which SP 800-38E forbids.");
        }

        _implementation = Resolve(implementation);
        _keySize = key.Length;
        _rounds = half == 16 ? 10 : 14;
        _materialHandle = new KeyMaterialHandle();
        _material = (KeyMaterial*)_materialHandle.DangerousGetHandle();
        try
        {
            key.CopyTo(new Span<byte>(_material->Key, key.Length));
            if (_implementation == XtsImplementation.Portable)
            {
                _portable = new PortableCipher(_material->Key, half);
            }
            else
            {
                ExpandHardwareKeys(_material, key, vaesTables: _implementation == XtsImplementation.Vaes);
            }
        }
        catch
        {
            FreeMaterial();
            throw;
        }
    }

    /// <summary>The tier this engine runs on (never <see cref="XtsImplementation.Auto"/>).</summary>
    public XtsImplementation Implementation => _implementation;

    /// <summary>The XTS key size in bytes: 32 (AES-128-XTS) or 64 (AES-256-XTS).</summary>
    public int KeySize => _keySize;

    /// <summary>The tier <see cref="XtsImplementation.Auto"/> resolves to on this machine.</summary>
    public static XtsImplementation BestImplementation =>
        IsSupported(XtsImplementation.Vaes) ? XtsImplementation.Vaes
        : IsSupported(XtsImplementation.AesNi) ? XtsImplementation.AesNi
        : IsSupported(XtsImplementation.Arm) ? XtsImplementation.Arm
        : XtsImplementation.Portable;

    /// <summary>Whether a tier can run on this machine and runtime (honours DOTNET_EnableAES=0 and similar switches).</summary>
    public static bool IsSupported(XtsImplementation implementation) => implementation switch
    {
        XtsImplementation.Auto => true,
        XtsImplementation.AesNi => AesX86.IsSupported && System.Runtime.Intrinsics.X86.Sse2.IsSupported,
        XtsImplementation.Vaes => VaesSupported,
        XtsImplementation.Arm => AesArm.IsSupported && System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported,
        XtsImplementation.Portable => true,
        _ => false,
    };

    /// <summary>Encrypts whole sectors: <paramref name="source"/> is split into sectors of
    /// <paramref name="sectorSize"/> bytes numbered from <paramref name="firstSector"/>.</summary>
    /// <param name="source">Plaintext; a whole number of sectors.</param>
    /// <param name="destination">Ciphertext; same length; may be the same memory as <paramref name="source"/>.</param>
    /// <param name="firstSector">Number (tweak) of the first sector.</param>
    /// <param name="sectorSize">A multiple of 16 from 16 to <see cref="MaxSectorSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The sector size is not a multiple of 16 in range.</exception>
    /// <exception cref="ArgumentException">The source is not a whole number of sectors, the destination length differs,
    /// or the buffers partially overlap.</exception>
    /// <exception cref="ObjectDisposedException">The engine was disposed.</exception>
    public void EncryptSectors(ReadOnlySpan<byte> source, Span<byte> destination, ulong firstSector, int sectorSize)
    {
        int count = ValidateSectors(source, destination, sectorSize);
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            Process(encrypt: true, src, dst, sectorSize, count, firstSector);
        }

        GC.KeepAlive(this); // the native key block must outlive the raw-pointer work above
    }

    /// <summary>Decrypts whole sectors; the inverse of <see cref="EncryptSectors"/>, same rules.</summary>
    public void DecryptSectors(ReadOnlySpan<byte> source, Span<byte> destination, ulong firstSector, int sectorSize)
    {
        int count = ValidateSectors(source, destination, sectorSize);
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            Process(encrypt: false, src, dst, sectorSize, count, firstSector);
        }

        GC.KeepAlive(this);
    }

    /// <summary>Zeroes and frees the round keys and key copy. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _portable?.Dispose();
        _portable = null;
        FreeMaterial();
    }

    /// <summary>Dispatches a run of consecutive units of equal size (a multiple of 16) to the engine's tier.</summary>
    private void Process(bool encrypt, byte* src, byte* dst, int unitSize, int count, UInt128 firstUnit)
    {
        KeyMaterial* m = _material;
        if (count == 0)
        {
            return;
        }

        switch (_implementation)
        {
            case XtsImplementation.Vaes or XtsImplementation.AesNi:
                X86TierProcess(_implementation == XtsImplementation.Vaes, _rounds, encrypt, m, src, dst, unitSize, count, firstUnit);
                break;
            case XtsImplementation.Arm:
                ArmProcess(encrypt, m, _rounds, src, dst, unitSize, count, firstUnit);
                break;
            default:
                _portable!.Process(encrypt, src, dst, unitSize, count, firstUnit);
                break;
        }
    }

    /// <summary>
    /// Key1's encryption and decryption schedules and Key2's encryption schedule for the x86/ARM tiers, plus the VAES
    /// broadcast tables when <paramref name="vaesTables"/>. <paramref name="key"/> is the whole 32- or 64-byte XTS key.
    /// </summary>
    private static void ExpandHardwareKeys(KeyMaterial* m, ReadOnlySpan<byte> key, bool vaesTables)
    {
        int half = key.Length / 2;
        ExpandKey(key[..half], m->DataEnc, m->DataDec);
        ExpandKey(key[half..], m->TweakEnc, null);
        if (vaesTables)
        {
            VaesPrepareTables(m, half == 16 ? 10 : 14);
        }
    }

    /// <summary>The AES-NI or VAES kernels, specialised on the key length.</summary>
    private static void X86TierProcess(
        bool vaes, int rounds, bool encrypt, KeyMaterial* m, byte* src, byte* dst, int unitSize, int count, UInt128 firstUnit)
    {
        if (rounds == 14)
        {
            if (vaes)
            {
                VaesProcess<Aes256Rounds>(encrypt, m, src, dst, unitSize, count, firstUnit);
            }
            else
            {
                X86Process<Aes256Rounds>(encrypt, m, src, dst, unitSize, count, firstUnit);
            }
        }
        else if (vaes)
        {
            VaesProcess<Aes128Rounds>(encrypt, m, src, dst, unitSize, count, firstUnit);
        }
        else
        {
            X86Process<Aes128Rounds>(encrypt, m, src, dst, unitSize, count, firstUnit);
        }
    }

    private static XtsImplementation Resolve(XtsImplementation requested)
    {
        if (requested == XtsImplementation.Auto)
        {
            return BestImplementation;
        }

        if (!Enum.IsDefined(requested))
        {
            throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown XTS implementation tier.");
        }

        if (!IsSupported(requested))
        {
            throw new PlatformNotSupportedException(
                $"The XTS-AES tier {requested} is not supported on this CPU/runtime (best available: {BestImplementation}).");
        }

        return requested;
    }

    private int ValidateSectors(ReadOnlySpan<byte> source, Span<byte> destination, int sectorSize)
    {
        ObjectDisposedException.ThrowIf(_material == null, this);
        if (sectorSize < MinSectorSize || sectorSize > MaxSectorSize || sectorSize % BlockSize != 0)
        {
            ThrowBadSectorSize(sectorSize);
        }

        if (source.Length % sectorSize != 0)
        {
            ThrowArgument(
                $"The source length {source.Length} is not a whole number of {sectorSize}-byte sectors.", nameof(source));
        }

        CheckBuffers(source, destination);
        return source.Length / sectorSize;
    }

    private static void CheckBuffers(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length != source.Length)
        {
            ThrowArgument(
                $"The destination length {destination.Length} differs from the source length {source.Length}.",
                nameof(destination));
        }

        if (source.Overlaps(destination, out int offset) && offset != 0)
        {
            ThrowArgument(
                "The source and destination partially overlap; use the same buffer (in-place) or separate buffers.",
                nameof(destination));
        }
    }

    [DoesNotReturn]
    private static void ThrowBadSectorSize(int sectorSize) =>
        throw new ArgumentOutOfRangeException(
            nameof(sectorSize), sectorSize,
            $"The sector size must be a multiple of {BlockSize} from {MinSectorSize} to {MaxSectorSize} bytes.");

    [DoesNotReturn]
    private static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);

    private void FreeMaterial()
    {
        _material = null;
        _materialHandle.Dispose();
    }

    /// <summary>
    /// Owns the native key block: zeroed when allocated, zeroed then freed on release, so an engine that is never
    /// disposed still has its keys wiped when it is collected (dotnet/runtime's FixedMemoryKeyBox pattern).
    /// </summary>
    private sealed class KeyMaterialHandle : SafeHandle
    {
        public KeyMaterialHandle()
            : base(nint.Zero, ownsHandle: true)
        {
            void* block = NativeMemory.AlignedAlloc((nuint)sizeof(KeyMaterial), 64);
            NativeMemory.Clear(block, (nuint)sizeof(KeyMaterial));
            SetHandle((nint)block);
        }

        public override bool IsInvalid => handle == nint.Zero;

        protected override bool ReleaseHandle()
        {
            CryptographicOperations.ZeroMemory(new Span<byte>((void*)handle, sizeof(KeyMaterial)));
            NativeMemory.AlignedFree((void*)handle);
            return true;
        }
    }

    /// <summary>Round keys and the raw key, in one 64-byte-aligned native block (never moved, zeroed on dispose).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct KeyMaterial
    {
        /// <summary>Key1 encryption schedule, Nr + 1 round keys (FIPS-197 §5.2).</summary>
        public fixed byte DataEnc[15 * 16];

        /// <summary>Key1 equivalent inverse cipher schedule (FIPS-197 §5.3.5): reversed, InvMixColumns applied to the middle keys.</summary>
        public fixed byte DataDec[15 * 16];

        /// <summary>Key2 encryption schedule (the tweak is always encrypted, IEEE 1619 §5.3.1).</summary>
        public fixed byte TweakEnc[15 * 16];

        /// <summary>VAES tier: DataEnc as 32-byte broadcast keys, plus the tweak reduction constant (XtsAes.Vaes.Kernels.cs).</summary>
        public fixed byte VaesEnc[16 * 32];

        /// <summary>VAES tier: the same for DataDec.</summary>
        public fixed byte VaesDec[16 * 32];

        /// <summary>Raw key copy (the portable tier keys its per-thread BCL instances from it).</summary>
        public fixed byte Key[64];
    }
}
