using System.Diagnostics.CodeAnalysis;

namespace BlockCrypt.Cli.CommandLine;

/// <summary>Finds the CLI's extension points (command groups, unlock option providers, error mappers, filesystem formatters) by reflection.</summary>
internal static class Discovery
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The CLI is not trimmed.")]
    public static List<T> Create<T>() where T : class =>
        [.. typeof(Discovery).Assembly.GetTypes()
            .Where(t => typeof(T).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)];
}
