namespace BlockCrypt.PowerShell;

/// <summary>
/// The escrow record of one volume (<c>&lt;EscrowPath&gt;/&lt;VolumeId&gt;.json</c>) as Backup-BlockCryptKeyProtector
/// returns it. The recovery passwords stay in the file: the entries on the pipeline do not carry them.
/// </summary>
public sealed class BlockCryptEscrowRecord
{
    /// <summary>The volume id.</summary>
    public Guid VolumeId { get; init; }

    /// <summary>Absolute path of the container when last escrowed.</summary>
    public string Path { get; init; } = "";

    /// <summary>The JSON file holding the record.</summary>
    public string EscrowFile { get; init; } = "";

    /// <summary>One entry per escrowed recovery password, oldest first.</summary>
    public BlockCryptEscrowEntry[] Records { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() => EscrowFile;
}

/// <summary>One escrowed recovery password (without the password itself).</summary>
public sealed class BlockCryptEscrowEntry
{
    /// <summary>The recovery password protector's id.</summary>
    public Guid KeyProtectorId { get; init; }

    /// <summary>When it was escrowed (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>'Active', or 'Superseded' once its protector is gone from the volume.</summary>
    public string Status { get; init; } = EscrowStatus.Active;

    /// <summary>When it was superseded (UTC), or null.</summary>
    public DateTime? SupersededUtc { get; init; }
}

/// <summary>Values of <see cref="BlockCryptEscrowEntry.Status"/>.</summary>
public static class EscrowStatus
{
    /// <summary>The protector exists on the volume.</summary>
    public const string Active = "Active";

    /// <summary>The protector was removed (rotation): kept for audit.</summary>
    public const string Superseded = "Superseded";
}
