using System.Collections.Concurrent;

namespace PinnServe.Training;

/// <summary>
/// The names a setting may take where a library keeps them in a registry (weighting.scheme, network.architecture):
/// the library registers them, and a reader that knows where a value came from (a problem file's line and column)
/// refuses an unknown one there rather than when training starts.
/// </summary>
public static class SettingNames
{
    private static readonly ConcurrentDictionary<string, Func<IReadOnlyCollection<string>>> Registered = new(StringComparer.Ordinal);

    public static void Register(string path, Func<IReadOnlyCollection<string>> names) => Registered[path] = names;

    /// <summary>The names <paramref name="path"/> may take, or null when no library registered them.</summary>
    public static IReadOnlyCollection<string>? Of(string path) => Registered.TryGetValue(path, out var names) ? names() : null;

    /// <summary>The paths with registered names.</summary>
    public static IEnumerable<string> Paths => Registered.Keys;
}
