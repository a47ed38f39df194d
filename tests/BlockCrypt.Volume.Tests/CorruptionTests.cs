using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using NUnit.Framework;
using static BlockCrypt.Volume.Tests.VolumeTestKit;

namespace BlockCrypt.Volume.Tests;

public class CorruptionTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void Unlock_OneCopyCorrupt_OpensAndRepairs(int copy)
    {
        using var container = CreatePassphraseVolume();
        byte[] good = Snapshot(container);
        Scribble(container, copy, seed: copy);
        using (var volume = Volume.Open(container))
        {
            Assert.That(volume.GetStatus().Copies[copy].State, Is.EqualTo(CopyState.Damaged));
            using var credentials = WithPassphrase();
            using var unlocked = volume.Unlock(credentials);
        }
        Assert.That(Snapshot(container).AsSpan(0, (int)MetadataLayout.DataOffset).SequenceEqual(good.AsSpan(0, (int)MetadataLayout.DataOffset)), Is.True,
            "the damaged copy is rewritten identical to the others");
    }

    [Test]
    public void Open_AllCopiesCorrupt_DamagedThenHeaderRestoreBringsItBack()
    {
        string dir = Directory.CreateTempSubdirectory("bc-restore").FullName;
        try
        {
            string path = Path.Combine(dir, "c.img");
            var (unlocked, results) = Volume.Create(path, new VolumeCreateOptions { DataSize = 1 << 20, Protectors = [PassphraseRequest()] });
            unlocked.Device.Write(1, CrashSafetyTests.Pattern(4096));
            unlocked.Volume.BackupHeader(Path.Combine(dir, "hdr"));
            unlocked.Dispose();
            unlocked.Volume.Dispose();
            foreach (var r in results) r.Dispose();

            using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                for (int i = 0; i < MetadataLayout.CopyCount; i++)
                {
                    stream.Position = MetadataLayout.CopyOffset(i) + 100;
                    stream.Write(new byte[] { 1, 2, 3, 4, 5 });
                }
            }
            var e = Assert.Throws<VolumeException>(() => Volume.Open(path));
            Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.MetadataDamaged));

            Volume.RestoreHeader(path, Path.Combine(dir, "hdr"));
            using var volume = Volume.Open(path);
            using var credentials = WithPassphrase();
            using var reopened = volume.Unlock(credentials);
            byte[] back = new byte[4096];
            reopened.Device.Read(1, back);
            Assert.That(back, Is.EqualTo(CrashSafetyTests.Pattern(4096)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void RestoreHeader_BackupOfOtherVolume_Refused()
    {
        string dir = Directory.CreateTempSubdirectory("bc-restore").FullName;
        try
        {
            foreach (string name in new[] { "a", "b" })
            {
                var (u, r) = Volume.Create(Path.Combine(dir, name), new VolumeCreateOptions { DataSize = 1 << 20, Protectors = [KeyFileRequest()] });
                if (name == "a") u.Volume.BackupHeader(Path.Combine(dir, "a.hdr"));
                u.Dispose();
                u.Volume.Dispose();
                foreach (var x in r) x.Dispose();
            }
            byte[] before = File.ReadAllBytes(Path.Combine(dir, "b"));
            var e = Assert.Throws<VolumeException>(() => Volume.RestoreHeader(Path.Combine(dir, "b"), Path.Combine(dir, "a.hdr")));
            Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.HeaderMismatch));
            Assert.That(File.ReadAllBytes(Path.Combine(dir, "b")), Is.EqualTo(before));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Erase_AnyCredential_NothingOpensAgain()
    {
        using var container = CreatePassphraseVolume();
        using (var volume = Volume.Open(container)) volume.Erase();
        var e = Assert.Throws<VolumeException>(() => Volume.Open(container));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.NotAVolume));
        Assert.That(container.GetSpan(0, (int)MetadataLayout.DataOffset).ContainsAnyExcept((byte)0), Is.False);
    }

    internal static void Scribble(MemoryBlockDevice container, int copy, int seed)
    {
        var random = new Random(seed);
        Span<byte> region = container.GetSpan(MetadataLayout.CopyOffset(copy), 300);
        random.NextBytes(region[16..]); // keep the magic: a damaged copy, not a missing one
    }
}
