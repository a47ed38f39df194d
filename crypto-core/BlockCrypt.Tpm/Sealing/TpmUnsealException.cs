namespace BlockCrypt.Tpm.Sealing;

/// <summary>Why a sealed secret could not be unsealed (or sealed); the volume layer maps these to messages and exit codes.</summary>
public enum TpmFailure
{
    /// <summary>Another TPM error (see the inner exception).</summary>
    Other = 0,
    /// <summary>No TPM could be reached.</summary>
    NoTpm = 1,
    /// <summary>The TPM's SRK differs from the one recorded at sealing: another or an interposed TPM.</summary>
    WrongTpm = 2,
    /// <summary>A bound PCR changed since sealing (policy check failed).</summary>
    PcrMismatch = 3,
    /// <summary>The PIN was wrong (the TPM counted a dictionary-attack failure).</summary>
    WrongPin = 4,
    /// <summary>The TPM is in dictionary-attack lockout.</summary>
    Lockout = 5,
    /// <summary>A PIN is required but none was given.</summary>
    PinRequired = 6,
    /// <summary>The stored sealed object is malformed.</summary>
    MalformedSealedObject = 7,
    /// <summary>The TPM's answers were inconsistent (bad HMAC, malformed response).</summary>
    Protocol = 8,
}

/// <summary>A TPM seal/unseal failure with a <see cref="TpmFailure"/> code and a message that says what to do.</summary>
public sealed class TpmUnsealException : TpmException
{
    /// <summary>Creates the exception.</summary>
    public TpmUnsealException(TpmFailure failure, string message, Exception? inner = null) : base(message, inner)
    {
        Failure = failure;
    }

    /// <summary>What went wrong.</summary>
    public TpmFailure Failure { get; }

    /// <summary>PCRs whose values differ from those at sealing (for <see cref="TpmFailure.PcrMismatch"/>).</summary>
    public IReadOnlyList<int> ChangedPcrs { get; init; } = [];

    /// <summary>Authorization attempts left before lockout (for <see cref="TpmFailure.WrongPin"/>; -1 if unknown).</summary>
    public int TriesLeft { get; init; } = -1;

    /// <summary>Seconds until one failure is forgotten (for <see cref="TpmFailure.Lockout"/>; -1 if unknown).</summary>
    public long RecoverySeconds { get; init; } = -1;
}
