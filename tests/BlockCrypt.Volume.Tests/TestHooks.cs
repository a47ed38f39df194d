using System.Reflection;
using BlockCrypt.Crypto.Secrets;

namespace BlockCrypt.Volume.Tests;

/// <summary>Reads private state that only tests need (the current VMK, to prove rotation retires it).</summary>
internal static class TestHooks
{
    public static byte[] Vmk(UnlockedVolume unlocked) =>
        ((SecretBuffer)typeof(UnlockedVolume).GetField("_vmk", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(unlocked)!).Span.ToArray();
}
