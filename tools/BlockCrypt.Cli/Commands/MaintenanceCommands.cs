using BlockCrypt.Cli.CommandLine;
using BlockCrypt.Storage;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>header backup|restore</c>, <c>erase</c> and <c>export-plain</c>.</summary>
public sealed class MaintenanceCommands : ICommandGroup
{
    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "header backup", Summary = "save the metadata to a file", Arguments = "CONTAINER FILE", MinArguments = 2,
            Description = "Writes the newest valid metadata copy to FILE (which must not exist). Anyone with the backup and an old\n" +
                          "credential can open the volume as it was: destroy old backups after removing protectors or erasing.",
            Run = c =>
            {
                NewProtectors.CheckOutputPath(c.Arg(1));
                using var volume = Volume.Volume.Open(c.Arg(0), readOnly: true);
                volume.BackupHeader(c.Arg(1));
                c.Out.WriteLine($"Header of volume {volume.Id} saved to {c.Arg(1)}");
                return ExitCodes.Ok;
            },
        },
        new CliCommand
        {
            Name = "header restore", Summary = "put a metadata backup back", Arguments = "CONTAINER FILE", MinArguments = 2,
            Description = "Writes the backup to every metadata copy after checking it belongs to this container (same volume id\n" +
                          "wherever one is still readable, matching size).",
            Run = c =>
            {
                Volume.Volume.RestoreHeader(c.Arg(0), c.Arg(1));
                c.Out.WriteLine($"Header restored from {c.Arg(1)}");
                return ExitCodes.Ok;
            },
        },
        new CliCommand
        {
            Name = "erase", Summary = "crypto-erase: destroy every metadata copy", Arguments = "CONTAINER", MinArguments = 1,
            Description = "Overwrites every metadata copy so no credential opens the volume again (the data stays as unreadable\n" +
                          "ciphertext). Asks for confirmation on a terminal; without one, --yes is required. Header backups still\n" +
                          "open the volume: destroy them too.",
            Options = [new("yes", null, "do not ask for confirmation")],
            Run = Erase,
        },
        new CliCommand
        {
            Name = "export-plain", Summary = "write the decrypted data area to a raw image", Arguments = "CONTAINER OUT_IMAGE", MinArguments = 2, Unlocks = true,
            Description = "Unlocks and writes the whole decrypted data area to OUT_IMAGE (must not exist), for checking and migration.",
            Run = Export,
        },
    ];

    private static int Erase(CommandContext c)
    {
        using var volume = Volume.Volume.Open(c.Arg(0));
        if (!c.Args.Has("yes"))
        {
            if (!c.Console.InputIsTerminal)
                throw new CliException(ExitCodes.Refused, "erase destroys the volume for good; confirm with --yes (standard input is not a terminal).");
            c.Err.Write($"Erase volume {volume.Id} in {c.Arg(0)}? Nothing will open it again. Type YES to continue: ");
            if (c.Console.In.ReadLine()?.Trim() != "YES") throw new CliException(ExitCodes.Refused, "Not confirmed; nothing erased.");
        }
        volume.Erase();
        c.Out.WriteLine($"Erased volume {volume.Id}: every metadata copy overwritten.");
        return ExitCodes.Ok;
    }

    private static int Export(CommandContext c)
    {
        string output = c.Arg(1);
        NewProtectors.CheckOutputPath(output);
        var (volume, unlocked) = c.OpenUnlocked(c.Arg(0), readOnly: true);
        using (volume)
        using (unlocked)
        {
            var device = unlocked.Device;
            const int Chunk = 1024 * 1024;
            int chunk = Chunk / device.SectorSize * device.SectorSize;
            byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(chunk);
            try
            {
                using var file = OwnerOnlyFile.Create(output, bufferSize: 1); // a decrypted image
                long total = device.SectorCount * device.SectorSize, done = 0;
                var progress = new Progress(c.Console, "export", total);
                try
                {
                    while (done < total)
                    {
                        int n = (int)Math.Min(chunk, total - done);
                        device.Read(done / device.SectorSize, buffer.AsSpan(0, n));
                        file.Write(buffer, 0, n);
                        done += n;
                        progress.Report(done);
                    }
                    file.Flush(flushToDisk: true);
                }
                catch
                {
                    file.Dispose();
                    File.Delete(output);
                    throw;
                }
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer.AsSpan(0, chunk));
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        c.Out.WriteLine($"Exported the decrypted data area to {output}");
        return ExitCodes.Ok;
    }
}
