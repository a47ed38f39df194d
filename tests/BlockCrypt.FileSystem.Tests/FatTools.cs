using System.Diagnostics;
using BlockCrypt.Storage;
using NUnit.Framework;

namespace BlockCrypt.FileSystem.Tests;

/// <summary>Runs dosfstools and mtools against image files, and moves images between memory and disk.</summary>
internal static class FatTools
{
    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // mtools checks the FAT32 cluster minimum and the drive geometry; the images are plain files.
        psi.Environment["MTOOLS_SKIP_CHECK"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} did not finish");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs `fsck.fat -n` and returns the exit code and output.</summary>
    public static (int ExitCode, string Output) Fsck(string image) => Run("fsck.fat", "-n", image);

    /// <summary>Asserts `fsck.fat -n` finds nothing to fix (exit 0, no differences, no repair messages).</summary>
    public static void AssertClean(string image)
    {
        var (code, output) = Fsck(image);
        Assert.That(code, Is.EqualTo(0), "fsck.fat exit code; output:\n" + output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // A clean run prints the version banner, "Checking we can access the last sector...", and the summary line.
        var unexpected = lines.Where(l => !l.StartsWith("fsck.fat ", StringComparison.Ordinal)
                                          && !l.StartsWith("Checking we can access", StringComparison.Ordinal)
                                          && !l.Contains(" files, ", StringComparison.Ordinal)).ToList();
        Assert.That(unexpected, Is.Empty, "fsck.fat reported problems:\n" + output);
    }

    /// <summary>Writes a memory device to a sparse image file (zero chunks are skipped).</summary>
    public static void Save(MemoryBlockDevice device, string path)
    {
        long length = device.SectorCount * device.SectorSize;
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write);
        f.SetLength(length);
        const int Chunk = 1 << 16;
        for (long off = 0; off < length; off += Chunk)
        {
            var span = device.GetSpan(off, (int)Math.Min(Chunk, length - off));
            if (span.IndexOfAnyExcept((byte)0) < 0) continue;
            f.Position = off;
            f.Write(span);
        }
    }

    /// <summary>Loads an image file into a new memory device.</summary>
    public static MemoryBlockDevice Load(string path, int sectorSize)
    {
        var bytes = File.ReadAllBytes(path);
        var dev = new MemoryBlockDevice(bytes.Length / sectorSize, sectorSize);
        bytes.CopyTo(dev.GetSpan(0, bytes.Length));
        return dev;
    }

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "bcfat-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }
}
