using NUnit.Framework;
using System.Diagnostics;

namespace BlockCrypt.Crypto.Tests;

/// <summary>Re-runs the vectors in a child process with AES / all hardware intrinsics disabled (ImageSharp-style).</summary>
[TestFixture]
public class XtsFallbackProcessTests
{
    [TestCase("DOTNET_EnableAES")]
    [TestCase("DOTNET_EnableHWIntrinsic")]
    public void Vectors_WithIntrinsicsDisabled_AutoPicksPortableAndPasses(string switchName)
    {
        string assembly = typeof(XtsFallbackProcess).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add("xts-vectors");
        info.Environment[switchName] = "0";
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True, "child process did not finish");
        Assert.That(process.ExitCode, Is.Zero, output + error);
        Assert.That(output, Does.Contain($"tier=Portable vectors={XtsIeee1619Vectors.All.Count} failures=0"));
    }

    [Test]
    public void Vectors_WithAvx2Disabled_AutoPicksAesNiAndPasses()
    {
        // The VAES tier needs AVX2 (and VPCLMULQDQ); without it, Auto falls back to the AES-NI kernels.
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(XtsFallbackProcess).Assembly.Location);
        info.ArgumentList.Add("xts-vectors");
        info.Environment["DOTNET_EnableAVX2"] = "0";
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True, "child process did not finish");
        Assert.That(process.ExitCode, Is.Zero, output + error);
        // On x86-64 that is AES-NI; elsewhere AVX2 does not exist and the switch changes nothing.
        string expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
            ? nameof(XtsImplementation.AesNi) : XtsAes.BestImplementation.ToString();
        Assert.That(output, Does.Contain($"tier={expected} vectors={XtsIeee1619Vectors.All.Count} failures=0"));
    }

    [Test]
    public void Vectors_WithDefaultSettings_ChildPicksBestTier()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(XtsFallbackProcess).Assembly.Location);
        info.ArgumentList.Add("xts-vectors");
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(output, Does.Contain($"tier={XtsAes.BestImplementation} vectors="));
        Assert.That(process.ExitCode, Is.Zero, output);
    }
}
