using BlockCrypt.Volume;
using NUnit.Framework;
using static BlockCrypt.Cli.Tests.CliRunner;

namespace BlockCrypt.Cli.Tests;

/// <summary>
/// A real SIGKILL loop: the CLI (child process) runs protector add / remove / rotate and is killed at a random
/// moment; every run must leave a volume that opens with the old or the new credentials.
/// </summary>
[Category("Slow")]
public class KillNineTests
{
    [Test]
    public void MetadataUpdates_KilledAtRandomMoments_AlwaysOpen()
    {
        string dir = Directory.CreateTempSubdirectory("bc-kill").FullName;
        try
        {
            string container = Path.Combine(dir, "c.img");
            File.WriteAllText(Path.Combine(dir, "pw"), "pw\n");
            var format = Run("pw\n", ["format", container, "--size", "1M", "--filesystem", "none", "--passphrase-stdin", "--recovery-password-out", Path.Combine(dir, "rp"), .. CheapKdf]);
            Assert.That(format.ExitCode, Is.EqualTo(0), format.Err);

            var random = new Random(1129);
            var extra = new Dictionary<Guid, string>(); // protector id -> passphrase file, for added passphrase protectors
            int killed = 0, completed = 0;
            double typicalMs = 1000; // replaced by the measured duration of the first (uninterrupted) run
            for (int run = 0; run < 50; run++)
            {
                string newPass = $"pass-{run}";
                string newPassFile = Path.Combine(dir, $"p{run}");
                File.WriteAllText(newPassFile, newPass + "\n");
                string[] args = (run % 3, extra.Count) switch
                {
                    (1, > 0) => ["protector", "remove", container, extra.Keys.First().ToString(), "--passphrase-file", Path.Combine(dir, "pw")],
                    (2, _) => ["rotate", container, "--passphrase-file", Path.Combine(dir, "pw"), "--recovery-password-file", Path.Combine(dir, "rp"),
                               .. extra.Values.SelectMany(f => new[] { "--passphrase-file", f })],
                    _ => ["protector", "add", container, "--passphrase-file", Path.Combine(dir, "pw"), "--kind", "passphrase",
                          "--new-passphrase-file", newPassFile, .. CheapKdf],
                };
                var watch = System.Diagnostics.Stopwatch.StartNew();
                using var process = Start("", args);
                // Run 0 is measured; later runs are killed between 0.7x and 1.3x the typical complete run's time, mostly late in the run
                // where the metadata is written (process start-up takes most of the time).
                bool exited = process.WaitForExit(run == 0 ? 60_000 : (int)(typicalMs * (0.7 + 0.6 * random.NextDouble())));
                if (exited) typicalMs = run == 0 ? watch.Elapsed.TotalMilliseconds : 0.7 * typicalMs + 0.3 * watch.Elapsed.TotalMilliseconds; // track the machine's speed
                if (!exited)
                {
                    process.Kill();
                    killed++;
                }
                process.WaitForExit();
                if (exited) completed++;

                // The old or new state must open, authenticated, with the never-removed passphrase.
                using var volume = Volume.Volume.Open(container);
                using (var credentials = new UnlockCredentials().AddPassphrase("pw"))
                using (volume.Unlock(credentials)) { }
                var now = volume.GetStatus().Protectors.Select(p => p.Id).ToHashSet();
                foreach (Guid gone in extra.Keys.Where(id => !now.Contains(id)).ToList()) extra.Remove(gone);
                foreach (var added in volume.GetStatus().Protectors.Where(p => p.KindName == "passphrase" && !extra.ContainsKey(p.Id)))
                {
                    if (added.Created > DateTimeOffset.UtcNow.AddMinutes(-10) && volume.GetStatus().Protectors.First().Id != added.Id)
                    {
                        // A protector added by this run: it must open with the new passphrase.
                        using var credentials = new UnlockCredentials().AddPassphrase(newPass);
                        credentials.ProtectorId = added.Id;
                        using (volume.Unlock(credentials)) { }
                        extra[added.Id] = newPassFile;
                    }
                }
                Assert.That(process.ExitCode == 0 || !exited, Is.True, $"run {run}: {string.Join(' ', args)} failed: {process.StandardError.ReadToEnd()}");
            }
            TestContext.Out.WriteLine($"killed {killed}, completed {completed}");
            Assert.That(killed, Is.GreaterThan(5), "the loop must really interrupt updates");
            Assert.That(completed, Is.GreaterThan(2), "kills must reach the end of the runs, where the metadata is written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
