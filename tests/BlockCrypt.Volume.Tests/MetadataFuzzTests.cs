using BlockCrypt.Storage;
using BlockCrypt.Volume.Format;
using BlockCrypt.Volume.Kdf;
using BlockCrypt.Volume.Protectors;
using NUnit.Framework;

namespace BlockCrypt.Volume.Tests;

/// <summary>Random mutations of the metadata bytes: only VolumeException (documented codes), never a crash or hang.</summary>
public class MetadataFuzzTests
{
    [Test]
    public void OpenUnlock_TenThousandMutations_OnlyVolumeExceptions()
    {
        // A volume with a key-file protector (cheap to try) and a passphrase protector (never derived: no passphrase given).
        using var container = VolumeTestKit.NewContainer();
        var (created, results) = Volume.Create(container, new VolumeCreateOptions
        {
            Protectors = [VolumeTestKit.KeyFileRequest(), VolumeTestKit.PassphraseRequest()],
        });
        byte[] keyFile = (byte[])results[0].KeyFile!.Clone();
        created.Dispose();
        created.Volume.Dispose();
        foreach (var r in results) r.Dispose();

        byte[] original = container.GetSpan(0, MetadataLayout.CopyRegionSize).ToArray();
        int copyLength = MetadataCodec.CopyLength(original);
        // Only copy 0 stays: the mutated copy is the one every open reads.
        container.GetSpan(MetadataLayout.CopyOffset(1), 2 * MetadataLayout.CopyRegionSize).Clear();

        var random = new Random(20261129);
        var outcomes = new Dictionary<string, int>();
        using var credentials = new UnlockCredentials().AddKeyFile(keyFile);
        for (int i = 0; i < 10_000; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(random.Next(4) == 0 ? MetadataLayout.HeaderLength + 64 : copyLength);
                mutated[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)(mutated[at] ^ (1 << random.Next(8))), _ => 0xFF };
            }
            // Most mutations keep a valid checksum so the parser and authentication are reached, not only the checksum.
            if (random.Next(10) != 0 && MetadataCodec.CopyLength(mutated) is int length && length >= 96 && length <= MetadataLayout.CopyRegionSize)
                MetadataCodec.SetChecksum(mutated.AsSpan(0, length));
            mutated.CopyTo(container.GetSpan(0, MetadataLayout.CopyRegionSize));
            string outcome;
            try
            {
                using var volume = Volume.Open(container, ownsContainer: false);
                using var unlocked = volume.Unlock(credentials);
                outcome = "opened";
            }
            catch (VolumeException e)
            {
                Assert.That(Enum.IsDefined(e.Code), Is.True);
                outcome = e.Code.ToString();
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        TestContext.Out.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}")));
        Assert.That(outcomes.Keys, Does.Contain(nameof(VolumeErrorCode.MetadataTampered)), "authentication was reached");
        Assert.That(outcomes.Keys, Does.Contain(nameof(VolumeErrorCode.MetadataDamaged)));
    }

    [Test]
    public void Unlock_LoweredKdfOfOtherProtector_RefusedAsTampered()
    {
        using var container = VolumeTestKit.NewContainer();
        var (created, results) = Volume.Create(container, new VolumeCreateOptions
        {
            Protectors = [VolumeTestKit.KeyFileRequest(), new ProtectorRequest
            {
                Kind = ProtectorKind.Passphrase, Secrets = VolumeTestKit.WithPassphrase(),
                Kdf = new KdfOptions { MemoryKiB = 16384, ForceIterations = 2, Lanes = 1 },
            }],
        });
        byte[] keyFile = (byte[])results[0].KeyFile!.Clone();
        created.Dispose();
        created.Volume.Dispose();

        // Lower the passphrase protector's Argon2id memory from 16384 to 8192 KiB in every copy, fixing the checksums.
        for (int c = 0; c < MetadataLayout.CopyCount; c++)
        {
            Span<byte> region = container.GetSpan(MetadataLayout.CopyOffset(c), MetadataLayout.CopyRegionSize);
            int length = MetadataCodec.CopyLength(region);
            int at = region[..length].IndexOf(BitConverter.GetBytes(16384));
            Assert.That(at, Is.GreaterThan(0));
            BitConverter.GetBytes(8192).CopyTo(region[at..]);
            MetadataCodec.SetChecksum(region[..length]);
        }
        using var volume = Volume.Open(container);
        using var credentials = new UnlockCredentials().AddKeyFile(keyFile);
        var e = Assert.Throws<VolumeException>(() => volume.Unlock(credentials));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.MetadataTampered));
    }

    [Test]
    public void Unlock_KdfBelowFloor_Refused()
    {
        using var container = VolumeTestKit.CreatePassphraseVolume();
        for (int c = 0; c < MetadataLayout.CopyCount; c++)
        {
            Span<byte> region = container.GetSpan(MetadataLayout.CopyOffset(c), MetadataLayout.CopyRegionSize);
            int length = MetadataCodec.CopyLength(region);
            int at = region[..length].IndexOf(BitConverter.GetBytes(Argon2idParameters.MinMemoryKiB));
            BitConverter.GetBytes(1024).CopyTo(region[at..]);
            MetadataCodec.SetChecksum(region[..length]);
        }
        using var volume = Volume.Open(container);
        using var credentials = VolumeTestKit.WithPassphrase();
        var e = Assert.Throws<VolumeException>(() => volume.Unlock(credentials));
        Assert.That(e!.Code, Is.EqualTo(VolumeErrorCode.KdfBelowFloor));
    }
}
