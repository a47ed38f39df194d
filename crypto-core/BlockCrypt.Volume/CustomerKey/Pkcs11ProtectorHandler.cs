using System.Security.Cryptography;
using System.Text;
using BlockCrypt.Volume.Protectors;

namespace BlockCrypt.Volume.CustomerKey;

/// <summary>
/// The <c>pkcs11</c> protector kind (customer key): the protector's 32-byte KEK is random and stored only wrapped by a
/// key that never leaves the customer's HSM (AES-256-GCM or RSA-3072-OAEP inside the HSM). The volume wraps the VMK with
/// that KEK, so the HSM only ever sees the KEK: never the VMK, never the FVEK. Destroying the HSM key makes the protector
/// useless for good (crypto-shredding, docs/customer-key.md). Parameters: <see cref="Pkcs11ProtectorParameters"/>.
/// Credential: <see cref="Pkcs11Credential"/>.
/// </summary>
public sealed partial class Pkcs11ProtectorHandler : IProtectorHandler
{
    /// <summary>Length of the KEK the HSM wraps.</summary>
    public const int KekLength = 32;

    private static readonly byte[] AadLabel = Encoding.ASCII.GetBytes("BlockCrypt v1 pkcs11 KEK");

    /// <inheritdoc/>
    public ProtectorKind Kind => ProtectorKind.Pkcs11;

    /// <inheritdoc/>
    public string Name => "pkcs11";

    /// <inheritdoc/>
    public int UnlockOrder => 20;

    /// <inheritdoc/>
    public bool HasCredential(UnlockCredentials credentials) => credentials.Get<Pkcs11Credential>() is not null;

    /// <inheritdoc/>
    public ProtectorCreateResult Create(ProtectorCreateContext context, Span<byte> kek)
    {
        Pkcs11Credential credential = context.Secrets.Get<Pkcs11Credential>()
            ?? throw new VolumeException(VolumeErrorCode.SecretMissing,
                "A pkcs11 protector needs --pkcs11-module, --token-label, --key-label and the user PIN.");
        if (string.IsNullOrEmpty(credential.TokenLabel) || string.IsNullOrEmpty(credential.KeyLabel))
        {
            throw new VolumeException(VolumeErrorCode.InvalidArgument, "A pkcs11 protector needs --token-label and --key-label.");
        }

        Span<byte> newKek = kek[..KekLength];
        RandomNumberGenerator.Fill(newKek);
        try
        {
            using Pkcs11Token token = credential.Open(credential.TokenLabel);
            ICustomerKeyWrapper key = credential.Decorate(token.FindKey(credential.KeyLabel, credential.KeyId));
            byte[] blob = WrapChecked(key, newKek, Aad(context.VolumeId, context.ProtectorId));
            return new ProtectorCreateResult { Parameters = new Pkcs11ProtectorParameters(key.Identity, blob).Serialize() };
        }
        catch (CustomerKeyException e)
        {
            CryptographicOperations.ZeroMemory(kek);
            throw Failure(null, e);
        }
    }

    /// <inheritdoc/>
    public bool TryUnlock(ProtectorRecord record, ProtectorUnlockContext context, KekProbe probe)
    {
        Pkcs11Credential? credential = context.Credentials.Get<Pkcs11Credential>();
        if (credential is null)
        {
            return false;
        }

        Pkcs11ProtectorParameters parameters = ParseOrThrow(record);
        CustomerKeyIdentity identity = parameters.Identity;
        if ((credential.TokenLabel is { } token && token != identity.TokenLabel)
            || (credential.KeyLabel is { } label && label != identity.KeyLabel))
        {
            return false;
        }

        Span<byte> kek = stackalloc byte[CustomerKeyBlob.MaxSecretLength];
        try
        {
            int length = UnwrapKek(credential, parameters, Aad(context.VolumeId, record.Id), kek);
            return length == KekLength && probe(kek[..KekLength]);
        }
        catch (CustomerKeyException e)
        {
            throw Failure(record.Id, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <inheritdoc/>
    public string Describe(ProtectorRecord record)
    {
        try
        {
            Pkcs11ProtectorParameters parameters = Pkcs11ProtectorParameters.Parse(record.Parameters);
            string hint = parameters.Identity.ModulePathHint.Length == 0 ? "" : $", created with module {parameters.Identity.ModulePathHint}";
            return parameters.Identity + hint;
        }
        catch (CustomerKeyException e)
        {
            return e.Message;
        }
    }

    /// <summary>The associated data binding an HSM blob to its volume and protector.</summary>
    internal static byte[] Aad(Guid volumeId, Guid protectorId)
    {
        byte[] aad = new byte[AadLabel.Length + 32];
        AadLabel.CopyTo(aad, 0);
        volumeId.TryWriteBytes(aad.AsSpan(AadLabel.Length));
        protectorId.TryWriteBytes(aad.AsSpan(AadLabel.Length + 16));
        return aad;
    }

    /// <summary>Wraps <paramref name="kek"/> and checks that the HSM unwraps the blob back to it before anything is stored.</summary>
    private static byte[] WrapChecked(ICustomerKeyWrapper key, ReadOnlySpan<byte> kek, byte[] aad)
    {
        byte[] blob = key.Wrap(kek, aad);
        Span<byte> check = stackalloc byte[CustomerKeyBlob.MaxSecretLength];
        try
        {
            int length = key.Unwrap(blob, aad, check);
            if (!CryptographicOperations.FixedTimeEquals(check[..length], kek))
            {
                throw new CustomerKeyException(CustomerKeyError.UnwrapFailed, "the HSM did not unwrap the new blob to the same key");
            }

            return blob;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(check);
        }
    }

    private static int UnwrapKek(Pkcs11Credential credential, Pkcs11ProtectorParameters parameters, byte[] aad, Span<byte> kek)
    {
        using Pkcs11Token token = credential.Open(parameters.Identity.TokenLabel);
        ICustomerKeyWrapper key = credential.Decorate(token.GetKey(parameters.Identity));
        return key.Unwrap(parameters.WrappedKek, aad, kek);
    }

    private static Pkcs11ProtectorParameters ParseOrThrow(ProtectorRecord record)
    {
        try
        {
            return Pkcs11ProtectorParameters.Parse(record.Parameters);
        }
        catch (CustomerKeyException e)
        {
            throw new VolumeException(VolumeErrorCode.MetadataDamaged, $"Protector {record.Id} has malformed pkcs11 parameters.", e);
        }
    }

    /// <summary>One-line product error; the <see cref="CustomerKeyException"/> (with its reason) is the inner exception.</summary>
    private static VolumeException Failure(Guid? protectorId, CustomerKeyException e) =>
        new(VolumeErrorCode.ProtectorFailure,
            protectorId is { } id ? $"pkcs11 protector {id}: {e.Message}" : $"pkcs11: {e.Message}", e);
}
