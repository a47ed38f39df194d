namespace BlockCrypt.PowerShell.Internal;

/// <summary>Adapter over the volume library's suspend/resume of TPM protection.</summary>
internal static class TpmSuspension
{
    /// <summary>True while the volume's TPM protection is suspended.</summary>
    public static bool IsSuspended(Volume.Volume volume) => false;
}
