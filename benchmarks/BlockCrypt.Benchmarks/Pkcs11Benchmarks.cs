using BenchmarkDotNet.Attributes;
using BlockCrypt.Storage;
using BlockCrypt.TestSupport;
using BlockCrypt.Volume;
using BlockCrypt.Volume.CustomerKey;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Benchmarks;

/// <summary>
/// Customer-key (PKCS#11) latency against a private SoftHSM2 token: one wrap/unwrap of a 32-byte KEK in an open session,
/// and a whole volume unlock through the pkcs11 protector (module load + C_Initialize, login, find key, unwrap, VMK/FVEK
/// unwrap, metadata MAC, C_Finalize). SoftHSM2 is software, so this measures the protocol and BlockCrypt's overhead, not an HSM.
/// </summary>
[Config(typeof(TpmBenchmarkConfig))]
public class Pkcs11Benchmarks
{
    private static readonly byte[] Context = new byte[56];
    private readonly byte[] _kek = new byte[32];
    private readonly byte[] _output = new byte[CustomerKeyBlob.MaxSecretLength];
    private SoftHsmToken? _hsm;
    private Pkcs11Token? _token;
    private ICustomerKeyWrapper? _key;
    private byte[] _blob = [];
    private MemoryBlockDevice? _container;

    /// <summary>The HSM key type.</summary>
    [Params(CustomerKeyType.Aes256, CustomerKeyType.Rsa3072)]
    public CustomerKeyType KeyType { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hsm = SoftHsmToken.Create();
        ProtectorHandlers.Register(new Pkcs11ProtectorHandler());
        using (Pkcs11Token creator = Pkcs11Token.Open(SoftHsmToken.ModulePath, _hsm.TokenLabel, _hsm.UserPinBytes))
        {
            creator.CreateKey("bench", KeyType);
        }

        _container = new MemoryBlockDevice(16384, 512);
        var secrets = new UnlockCredentials();
        secrets.Set(new Pkcs11Credential(SoftHsmToken.ModulePath, _hsm.UserPinBytes) { TokenLabel = _hsm.TokenLabel, KeyLabel = "bench" });
        var (volume, results) = Volume.Volume.Create(_container, new VolumeCreateOptions
        {
            Protectors = [new ProtectorRequest { Kind = ProtectorKind.Pkcs11, Secrets = secrets, Kdf = KdfOptions.Minimal }],
        });
        foreach (var r in results) r.Dispose();
        volume.Volume.Dispose();
        volume.Dispose();

        _token = Pkcs11Token.Open(SoftHsmToken.ModulePath, _hsm.TokenLabel, _hsm.UserPinBytes);
        _key = _token.FindKey("bench");
        _blob = _key.Wrap(_kek, Context);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _token?.Dispose();
        _container?.Dispose();
        _hsm?.Dispose();
    }

    /// <summary>Wrap a 32-byte KEK in the HSM (session already open).</summary>
    [Benchmark]
    public int Wrap() => _key!.Wrap(_kek, Context).Length;

    /// <summary>Unwrap a 32-byte KEK in the HSM (session already open).</summary>
    [Benchmark]
    public int Unwrap() => _key!.Unwrap(_blob, Context, _output);

    /// <summary>Open and unlock the volume with the pkcs11 protector only. The module stays loaded by the open session above.</summary>
    [Benchmark]
    public Guid UnlockVolume()
    {
        using var credentials = new UnlockCredentials();
        credentials.Set(new Pkcs11Credential(SoftHsmToken.ModulePath, _hsm!.UserPinBytes));
        using var volume = Volume.Volume.Open(_container!);
        using var unlocked = volume.Unlock(credentials);
        return unlocked.UnlockedBy;
    }
}
