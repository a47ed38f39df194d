namespace BlockCrypt.Crypto.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (<c>dotnet BlockCrypt.Crypto.Tests.dll xts-vectors</c>):
/// XtsFallbackProcessTests starts it with hardware intrinsics switched off and checks that the engine picked the
/// portable tier on its own and still passes every IEEE 1619 vector. NUnit never calls it.
/// </summary>
public static class XtsFallbackProcess
{
    public static int Main(string[] args)
    {
        if (args.Length != 1 || args[0] != "xts-vectors")
        {
            Console.Error.WriteLine("usage: BlockCrypt.Crypto.Tests xts-vectors");
            return 2;
        }

        int failures = 0;
        foreach (XtsVector vector in XtsIeee1619Vectors.All)
        {
            using var xts = new XtsAes(vector.Key, XtsImplementation.Auto, allowEqualHalves: vector.Number == 1);
            var output = new byte[vector.Plaintext.Length];
            xts.EncryptDataUnit(vector.Plaintext, output, vector.DataUnit);
            bool ok = output.AsSpan().SequenceEqual(vector.Ciphertext);
            xts.DecryptDataUnit(vector.Ciphertext, output, vector.DataUnit);
            ok &= output.AsSpan().SequenceEqual(vector.Plaintext);
            if (!ok)
            {
                failures++;
                Console.WriteLine($"FAIL {vector}");
            }
        }

        Console.WriteLine($"tier={XtsAes.BestImplementation} vectors={XtsIeee1619Vectors.All.Count} failures={failures}");
        return failures == 0 ? 0 : 1;
    }
}
