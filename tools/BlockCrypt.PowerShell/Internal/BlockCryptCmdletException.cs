using System.Management.Automation;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>A refusal or failure decided by the module itself (existing path, bad size ...), with its ErrorId reason and category.</summary>
internal sealed class BlockCryptCmdletException(string reason, ErrorCategory category, string message) : Exception(message)
{
    /// <summary>The part after <c>BlockCrypt.</c> in the ErrorId.</summary>
    public string Reason { get; } = reason;

    /// <summary>The ErrorRecord category.</summary>
    public ErrorCategory Category { get; } = category;
}
