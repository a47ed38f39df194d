using System.Text.Json;
using BlockCrypt.Cli.CommandLine;
using BlockCrypt.Volume;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>status</c> and <c>protector list</c>.</summary>
public sealed class StatusCommands : ICommandGroup
{
    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "status", Summary = "show cipher, layout, metadata copies and protectors", Arguments = "CONTAINER", MinArguments = 1, Unlocks = true,
            Description = "Without an unlock option the metadata is shown as read (not yet authenticated). With one, the volume is\n" +
                          "unlocked, the metadata authenticated (and stale copies repaired). --dump-volume-key prints the FVEK in hex:\n" +
                          "anyone holding it can decrypt the data area without any protector.",
            Options = [new("json", null, "machine-readable output"), new("dump-volume-key", null, "also print the volume key (FVEK); needs an unlock option")],
            Run = Status,
        },
        new CliCommand
        {
            Name = "protector list", Summary = "list the protectors of a volume", Arguments = "CONTAINER", MinArguments = 1,
            Options = [new("json", null, "machine-readable output")],
            Run = c =>
            {
                using var volume = Volume.Volume.Open(c.Arg(0), readOnly: true);
                var status = volume.GetStatus();
                if (c.Args.Has("json"))
                {
                    WriteJson(c, status, authenticated: false, key: null);
                }
                else
                {
                    foreach (var p in status.Protectors) c.Out.WriteLine(FormatProtector(p));
                }
                return ExitCodes.Ok;
            },
        },
    ];

    private static string FormatProtector(ProtectorInfo p) =>
        $"{p.Id}  {p.KindName,-10}  {p.Created:yyyy-MM-dd HH:mm:ss}Z  {p.Details}{(p.Description.Length > 0 ? "  \"" + p.Description + "\"" : "")}";

    private static int Status(CommandContext c)
    {
        bool unlock = UnlockOptions.All.Any(o => c.Args.Has(o.Name));
        bool dump = c.Args.Has("dump-volume-key");
        if (dump && !unlock) throw CliException.Usage("--dump-volume-key needs an unlock option (e.g. --passphrase-stdin).");
        Volume.Volume volume;
        UnlockedVolume? unlocked = null;
        if (unlock) (volume, unlocked) = c.OpenUnlocked(c.Arg(0));
        else volume = Volume.Volume.Open(c.Arg(0), readOnly: true);
        byte[]? key = null;
        try
        {
            var status = unlocked?.GetStatus() ?? volume.GetStatus();
            if (dump)
            {
                c.Err.WriteLine("WARNING: the volume key below decrypts the whole data area without any protector. Keep it secret.");
                key = new byte[unlocked!.VolumeKeyLength];
                unlocked.CopyVolumeKey(key);
            }
            if (c.Args.Has("json"))
            {
                WriteJson(c, status, unlocked is not null, key);
                return ExitCodes.Ok;
            }
            var o = c.Out;
            o.WriteLine($"Volume:        {status.VolumeId}");
            o.WriteLine($"Format:        BlockCrypt v{status.FormatVersion}{(unlocked is null ? " (metadata not authenticated: no unlock option given)" : " (metadata authenticated)")}");
            o.WriteLine($"Cipher:        {status.Cipher}");
            o.WriteLine($"Sector size:   {status.SectorSize}");
            o.WriteLine($"Data offset:   {status.DataOffset}");
            o.WriteLine($"Data size:     {status.DataSize} bytes");
            o.WriteLine($"Created:       {status.Created:yyyy-MM-dd HH:mm:ss}Z");
            o.WriteLine($"Sequence:      {status.Sequence}");
            if (status.Protectors.Any(p => p.Kind == Volume.Protectors.ProtectorKind.Tpm))
                o.WriteLine(status.ProtectionSuspended
                    ? "TPM protection: SUSPENDED (tpm protectors sealed to no PCR; 'blockcrypt protector resume' binds them again)"
                    : "TPM protection: on");
            o.WriteLine("Metadata copies:");
            foreach (var copy in status.Copies)
                o.WriteLine($"  {copy.Index}  offset {copy.Offset,-8} {copy.State.ToString().ToLowerInvariant(),-11} seq {copy.Sequence}{(copy.Detail.Length > 0 ? "  (" + copy.Detail + ")" : "")}");
            o.WriteLine("Protectors:");
            foreach (var p in status.Protectors) o.WriteLine("  " + FormatProtector(p));
            if (key is not null) o.WriteLine($"Volume key:    {Convert.ToHexString(key).ToLowerInvariant()}");
            return ExitCodes.Ok;
        }
        finally
        {
            if (key is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            unlocked?.Dispose();
            volume.Dispose();
        }
    }

    private static void WriteJson(CommandContext c, VolumeStatus s, bool authenticated, byte[]? key)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("volumeId", s.VolumeId);
            w.WriteNumber("formatVersion", s.FormatVersion);
            w.WriteBoolean("authenticated", authenticated);
            w.WriteString("cipher", s.Cipher);
            w.WriteNumber("sectorSize", s.SectorSize);
            w.WriteNumber("dataOffset", s.DataOffset);
            w.WriteNumber("dataSize", s.DataSize);
            w.WriteString("created", s.Created);
            w.WriteNumber("sequence", s.Sequence);
            w.WriteBoolean("protectionSuspended", s.ProtectionSuspended);
            w.WriteStartArray("copies");
            foreach (var copy in s.Copies)
            {
                w.WriteStartObject();
                w.WriteNumber("index", copy.Index);
                w.WriteNumber("offset", copy.Offset);
                w.WriteString("state", copy.State.ToString().ToLowerInvariant());
                w.WriteNumber("sequence", copy.Sequence);
                w.WriteString("detail", copy.Detail);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("protectors");
            foreach (var p in s.Protectors)
            {
                w.WriteStartObject();
                w.WriteString("id", p.Id);
                w.WriteString("kind", p.KindName);
                w.WriteString("created", p.Created);
                w.WriteString("description", p.Description);
                w.WriteString("details", p.Details);
                if (p.Kind == Volume.Protectors.ProtectorKind.Tpm)
                {
                    w.WriteStartArray("pcrs");
                    foreach (int pcr in p.Pcrs) w.WriteNumberValue(pcr);
                    w.WriteEndArray();
                    w.WriteBoolean("requiresPin", p.RequiresPin);
                    w.WriteBoolean("suspended", p.Suspended);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (key is not null) w.WriteString("volumeKey", Convert.ToHexString(key).ToLowerInvariant());
            w.WriteEndObject();
        }
        c.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
        if (key is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(stream.GetBuffer());
    }
}
