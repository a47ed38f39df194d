using BlockCrypt.Cli.CommandLine;
using BlockCrypt.Storage;
using BlockCrypt.Volume;
using BlockCrypt.Volume.Format;

namespace BlockCrypt.Cli.Commands;

/// <summary><c>format</c> and <c>import</c>: create a volume with its first protectors.</summary>
public sealed class FormatCommands : ICommandGroup
{
    private static readonly CliOption[] CreateOptions =
    [
        new("cipher", "CIPHER", "aes-xts-256 (default) or aes-xts-128"),
        new("sector-size", "BYTES", "4096 (default) or 512"),
        new("passphrase-stdin", null, "read the new passphrase from standard input"),
        new("passphrase-file", "FILE", "read the new passphrase from the first line of FILE"),
        new("recovery-password-out", "FILE", "write the recovery password to FILE instead of printing it"),
        new("key-file-out", "FILE", "also create a startup key file protector, writing the key to FILE"),
        new("add-kind", "KIND", "also add a protector of another kind (e.g. tpm) with its options", Repeatable: true),
        .. NewProtectors.KdfOptionList,
    ];

    /// <inheritdoc/>
    public IEnumerable<CliCommand> Commands =>
    [
        new CliCommand
        {
            Name = "format", Summary = "create an encrypted volume", Arguments = "CONTAINER", MinArguments = 1,
            Description = "Creates CONTAINER (a new sparse file of 1 MiB metadata + --size data, or an existing block device)\n" +
                          "with a passphrase protector and a recovery password (printed once unless --recovery-password-out).",
            Options = [new("size", "SIZE", "data area size, e.g. 64M, 1G (required for a file)"),
                       new("filesystem", "NAME", $"filesystem to create: {string.Join(", ", Formatters.Select(f => f.Name))}"),
                       new("label", "LABEL", "FAT32 volume label (up to 11 characters)"),
                       .. CreateOptions, .. ExtraKindOptions()],
            Run = c => Create(c, plainImage: null),
        },
        new CliCommand
        {
            Name = "import", Summary = "encrypt a raw image into a new volume of the same size", Arguments = "PLAIN_IMAGE CONTAINER", MinArguments = 2,
            Description = "Creates CONTAINER like 'format' with a data area the size of PLAIN_IMAGE and copies the image in, encrypted.",
            Options = [.. CreateOptions, .. ExtraKindOptions()],
            Run = c => Create(c, plainImage: c.Arg(0)),
        },
    ];

    private static IReadOnlyList<IFileSystemFormatter> Formatters => Discovery.Create<IFileSystemFormatter>();

    private static IEnumerable<CliOption> ExtraKindOptions() =>
        NewProtectors.Providers.Where(p => p is not BuiltInNewProtectorOptions).SelectMany(p => p.Options);

    private static int Create(CommandContext c, string? plainImage)
    {
        var a = c.Args;
        string container = plainImage is null ? c.Arg(0) : c.Arg(1);
        long? size = a.Get("size") is string s ? Sizes.Parse(s, "size") : null;
        int sectorSize = a.Get("sector-size") is string ss ? Sizes.ParseInt(ss, "sector-size") : 4096;
        var cipher = (a.Get("cipher") ?? "aes-xts-256") switch
        {
            "aes-xts-256" => CipherKind.AesXts256,
            "aes-xts-128" => CipherKind.AesXts128,
            string other => throw new CliException(ExitCodes.InvalidArgument, $"Unknown cipher '{other}' (aes-xts-256 or aes-xts-128)."),
        };
        IFileSystemFormatter? formatter = null;
        if (plainImage is null)
        {
            string fsName = a.Get("filesystem") ?? Formatters.OrderByDescending(f => f.DefaultPriority).First().Name;
            formatter = Formatters.FirstOrDefault(f => f.Name == fsName)
                ?? throw new CliException(ExitCodes.InvalidArgument, $"Unknown filesystem '{fsName}' ({string.Join(", ", Formatters.Select(f => f.Name))}).");
        }
        else
        {
            if (!File.Exists(plainImage)) throw new FileNotFoundException($"'{plainImage}' not found.", plainImage);
            size = new FileInfo(plainImage).Length;
            if (size % sectorSize != 0)
                throw new CliException(ExitCodes.InvalidArgument, $"The image is {size} bytes, not a whole number of {sectorSize}-byte sectors.");
        }
        if (formatter is Fat32Formatter && size is long dataSize) Fat32Formatter.CheckSize(dataSize, sectorSize);
        bool newFile = !File.Exists(container);
        if (File.Exists(container) && new FileInfo(container).Length > 0)
            throw new CliException(ExitCodes.Refused, $"'{container}' already exists; refusing to overwrite a regular file.");
        if (a.Get("recovery-password-out") is string rp) NewProtectors.CheckOutputPath(rp);
        if (a.Get("key-file-out") is string kf) NewProtectors.CheckOutputPath(kf);

        var plans = new List<NewProtectorPlan>();
        try
        {
            var kdf = NewProtectors.Kdf(a);
            if (a.Has("passphrase-stdin") || a.Has("passphrase-file"))
            {
                var secrets = new UnlockCredentials();
                secrets.AddPassphrase(a.Get("passphrase-file") is string pf ? SecretInput.ReadFirstLine(pf) : c.Stdin.ReadLine("the new passphrase"));
                plans.Add(new NewProtectorPlan { Request = new ProtectorRequest { Kind = Volume.Protectors.ProtectorKind.Passphrase, Secrets = secrets, Kdf = kdf } });
            }
            else if (!a.Has("key-file-out") && !a.Has("add-kind") && !a.Has("tpm"))
            {
                throw CliException.Usage("Give a passphrase (--passphrase-stdin or --passphrase-file), --key-file-out or --add-kind.");
            }
            if (a.Has("key-file-out")) plans.Add(NewProtectors.Prepare("keyfile", c));
            foreach (string kind in a.GetAll("add-kind")) plans.Add(NewProtectors.Prepare(kind, c));
            if (a.Has("tpm") && !a.GetAll("add-kind").Contains("tpm", StringComparer.OrdinalIgnoreCase)) plans.Add(NewProtectors.Prepare("tpm", c));
            plans.Add(NewProtectors.Prepare("recovery", c));

            var options = new VolumeCreateOptions { DataSize = size, Cipher = cipher, SectorSize = sectorSize, Protectors = [.. plans.Select(p => p.Request)] };
            var (unlocked, results) = Volume.Volume.Create(container, options);
            using var volume = unlocked.Volume;
            using (unlocked)
            {
                foreach (var r in results) r.Dispose();
                try
                {
                    if (plainImage is not null) CopyImage(plainImage, unlocked.Device, c);
                    else formatter!.Format(unlocked.Device, c);
                    unlocked.Device.Flush();
                }
                catch
                {
                    unlocked.Dispose();
                    volume.Dispose();
                    if (newFile) File.Delete(container);
                    throw;
                }
                var status = unlocked.GetStatus();
                c.Out.WriteLine($"Created {container}: {status.Cipher}, {status.DataSize} bytes, {status.SectorSize}-byte sectors, volume {status.VolumeId}");
            }
            foreach (var plan in plans.Where(p => p.Announcement is not null)) c.Out.WriteLine(plan.Announcement);
            return ExitCodes.Ok;
        }
        catch
        {
            foreach (var plan in plans) plan.Undo();
            throw;
        }
        finally
        {
            foreach (var plan in plans) plan.Request.Secrets.Dispose();
        }
    }

    private static void CopyImage(string plainImage, IBlockDevice device, CommandContext c)
    {
        const int Chunk = 1024 * 1024;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            using var input = new FileStream(plainImage, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long total = input.Length, done = 0;
            var progress = new Progress(c.Console, "import", total);
            while (done < total)
            {
                int n = (int)Math.Min(Chunk, total - done);
                input.ReadExactly(buffer, 0, n);
                device.Write(done / device.SectorSize, buffer.AsSpan(0, n));
                done += n;
                progress.Report(done);
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer.AsSpan(0, Chunk));
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
