using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;
using static BlockCrypt.Volume.Tests.VolumeTestKit;

namespace BlockCrypt.Volume.Tests;

/// <summary>Metadata updates stopped after every single write in turn (torn last write): old or new state opens.</summary>
public class CrashSafetyTests
{
    private static readonly string[] Operations = ["add", "remove", "rotate"];

    [TestCaseSource(nameof(Operations))]
    public void Update_PowerCutAfterEachWrite_OldOrNewStateOpens(string operation)
    {
        // Base state: passphrase protector + a second passphrase protector "other".
        using var template = CreatePassphraseVolume();
        Guid otherId;
        using (var volume = Volume.Open(template))
        using (var credentials = WithPassphrase())
        using (var unlocked = volume.Unlock(credentials))
        using (var added = unlocked.AddProtector(PassphraseRequest("other")))
        {
            otherId = added.Id;
            unlocked.Device.Write(0, Pattern(unlocked.Device.SectorSize));
        }
        byte[] baseline = Snapshot(template);

        int totalWrites = RunOperation(new FaultyBlockDevice(Copy(baseline)), operation, otherId);
        Assert.That(totalWrites, Is.EqualTo(MetadataLayout.CopyCount), "one write per copy");
        int sawOld = 0, sawNew = 0;
        for (int cut = 0; cut <= totalWrites; cut++)
        {
            using var memory = Copy(baseline);
            var faulty = new FaultyBlockDevice(memory) { WritesLeft = cut };
            if (cut < totalWrites) Assert.Throws<VolumeException>(() => RunOperation(faulty, operation, otherId));
            else RunOperation(faulty, operation, otherId);

            using var volume = Volume.Open(memory);
            using var credentials = WithPassphrase();
            using var unlocked = volume.Unlock(credentials); // authenticates the chosen copy
            byte[] sector = new byte[unlocked.Device.SectorSize];
            unlocked.Device.Read(0, sector);
            Assert.That(sector, Is.EqualTo(Pattern(sector.Length)), $"data after cut {cut}");
            bool isNew = operation switch
            {
                "add" => unlocked.GetStatus().Protectors.Count == 3,
                "remove" => unlocked.GetStatus().Protectors.Count == 1,
                _ => unlocked.GetStatus().Sequence > 2,
            };
            if (isNew) sawNew++; else sawOld++;
            Assert.That(unlocked.GetStatus().Copies.All(c => c.State == CopyState.Current), Is.True, "repaired on unlock");
        }
        Assert.That(sawOld, Is.GreaterThan(0));
        Assert.That(sawNew, Is.GreaterThan(0));
    }

    private static int RunOperation(FaultyBlockDevice device, string operation, Guid otherId)
    {
        using var volume = Volume.Open(device);
        using var credentials = WithPassphrase().AddPassphrase("other");
        using var unlocked = volume.Unlock(credentials);
        int before = device.Writes;
        switch (operation)
        {
            case "add": unlocked.AddProtector(KeyFileRequest()).Dispose(); break;
            case "remove": unlocked.RemoveProtector(otherId); break;
            default: unlocked.Rotate(credentials); break;
        }
        return device.Writes - before;
    }

    internal static MemoryBlockDevice Copy(byte[] image)
    {
        var device = new MemoryBlockDevice(image.Length / 512, 512);
        device.Write(0, image);
        return device;
    }

    internal static byte[] Pattern(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3))];
}
