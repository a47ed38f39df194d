using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using BlockCrypt.Storage;

namespace BlockCrypt.PowerShell.Internal;

/// <summary>
/// The recovery-password escrow store: a directory (created 0700) of JSON records, one per volume,
/// <c>&lt;dir&gt;/&lt;VolumeId&gt;.json</c> (0600), each replaced atomically (write a temp file in the same directory,
/// fsync, rename over the old one, fsync the directory) under an exclusive lock of the directory
/// (<see cref="EscrowLock"/>), so concurrent writers keep every entry and a crash leaves the old or the new record,
/// never half of one.
/// </summary>
internal static class EscrowStore
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>One escrowed recovery password as stored.</summary>
    internal sealed record Entry(Guid KeyProtectorId, string RecoveryPassword, DateTime CreatedUtc, string Status, DateTime? SupersededUtc);

    /// <summary>
    /// Adds or refreshes the entry of <paramref name="protectorId"/> (Active) and marks Superseded every Active entry
    /// whose protector is no longer in <paramref name="liveProtectors"/>. Returns the record as written.
    /// </summary>
    public static BlockCryptEscrowRecord Save(string directory, Guid volumeId, string containerPath, Guid protectorId,
        string recoveryPassword, IReadOnlyCollection<Guid> liveProtectors)
    {
        EnsureDirectory(directory);
        string file = System.IO.Path.Combine(directory, volumeId.ToString("D") + ".json");
        // Read, merge and replace under one lock: a concurrent writer would otherwise drop this entry or its own.
        using var writer = EscrowLock.Acquire(directory);
        var entries = File.Exists(file) ? Read(file, volumeId) : [];
        DateTime now = DateTime.UtcNow;
        now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        entries.RemoveAll(e => e.KeyProtectorId == protectorId);
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Status == EscrowStatus.Active && !liveProtectors.Contains(entries[i].KeyProtectorId))
                entries[i] = entries[i] with { Status = EscrowStatus.Superseded, SupersededUtc = now };
        }
        entries.Add(new Entry(protectorId, recoveryPassword, now, EscrowStatus.Active, null));
        WriteAtomically(file, Serialize(volumeId, containerPath, entries));
        writer.SyncDirectory();
        return new BlockCryptEscrowRecord
        {
            VolumeId = volumeId, Path = containerPath, EscrowFile = file,
            Records = [.. entries.Select(e => new BlockCryptEscrowEntry
            {
                KeyProtectorId = e.KeyProtectorId, CreatedUtc = e.CreatedUtc, Status = e.Status, SupersededUtc = e.SupersededUtc,
            })],
        };
    }

    /// <summary>
    /// The mode (e.g. "755") of an existing store directory that other users may enter, read or write, else null
    /// (also on Windows, where ACLs apply instead).
    /// </summary>
    public static string? LooseDirectoryMode(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory)) return null;
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(directory);
        return (mode & others) == 0 ? null : Convert.ToString((int)mode & 0x1FF, 8);
    }

    private static void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        if (File.Exists(directory))
            throw new BlockCryptCmdletException("EscrowPathNotDirectory", ErrorCategory.InvalidArgument,
                $"-EscrowPath '{directory}' is a file; the escrow store is a directory.");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, DirMode);
    }

    private static List<Entry> Read(string file, Guid volumeId)
    {
        byte[] content = File.ReadAllBytes(file);
        try
        {
            using var doc = JsonDocument.Parse(content);
            var root = doc.RootElement;
            if (root.GetProperty("VolumeId").GetGuid() != volumeId) throw Bad(file, "it names another volume");
            var list = new List<Entry>();
            foreach (var r in root.GetProperty("Records").EnumerateArray())
            {
                var superseded = r.TryGetProperty("SupersededUtc", out var s) && s.ValueKind == JsonValueKind.String ? Date(s.GetString()!) : (DateTime?)null;
                list.Add(new Entry(r.GetProperty("KeyProtectorId").GetGuid(), r.GetProperty("RecoveryPassword").GetString() ?? "",
                    Date(r.GetProperty("CreatedUtc").GetString()!), r.GetProperty("Status").GetString() ?? EscrowStatus.Active, superseded));
            }
            return list;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Bad(file, e.Message);
        }
        finally
        {
            Array.Clear(content); // it holds recovery passwords
        }
    }

    private static BlockCryptCmdletException Bad(string file, string why) =>
        new("EscrowDamaged", ErrorCategory.InvalidData, $"The escrow record '{file}' is not readable ({why}); nothing was changed.");

    private static DateTime Date(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static string Iso(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static byte[] Serialize(Guid volumeId, string path, List<Entry> entries)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("VolumeId", volumeId.ToString("D"));
            w.WriteString("Path", path);
            w.WriteStartArray("Records");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteString("KeyProtectorId", e.KeyProtectorId.ToString("D"));
                w.WriteString("RecoveryPassword", e.RecoveryPassword);
                w.WriteString("CreatedUtc", Iso(e.CreatedUtc));
                w.WriteString("Status", e.Status);
                if (e.SupersededUtc is DateTime s) w.WriteString("SupersededUtc", Iso(s));
                else w.WriteNull("SupersededUtc");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        byte[] result = stream.ToArray();
        Array.Clear(stream.GetBuffer()); // the stream's own buffer holds the recovery passwords too
        return result;
    }

    private static void WriteAtomically(string file, byte[] content)
    {
        string temp = file + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var stream = OwnerOnlyFile.Create(temp))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, file, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        finally
        {
            // The serialized record holds recovery passwords: do not leave it in the heap longer than needed.
            Array.Clear(content);
        }
    }
}
