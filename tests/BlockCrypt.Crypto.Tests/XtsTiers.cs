using NUnit.Framework;
namespace BlockCrypt.Crypto.Tests;

/// <summary>Test case sources: every XTS tier this machine supports, so each test runs on each of them.</summary>
public static class XtsTiers
{
    public static IEnumerable<XtsImplementation> Supported =>
        new[] { XtsImplementation.Vaes, XtsImplementation.AesNi, XtsImplementation.Arm, XtsImplementation.Portable }.Where(XtsAes.IsSupported);

    public static IEnumerable<XtsImplementation> Hardware => Supported.Where(t => t != XtsImplementation.Portable);

    public static IEnumerable<TestCaseData> SupportedWithVectors =>
        from tier in Supported
        from vector in XtsIeee1619Vectors.All
        select new TestCaseData(tier, vector).SetArgDisplayNames(tier.ToString(), $"vector{vector.Number}");
}
