using System.Globalization;

namespace PinnServe.Server.Models;

/// <summary>
/// Which versions of a model in <c>&lt;models&gt;/&lt;name&gt;/&lt;version&gt;/model.onnx</c> are served (the
/// policies of Triton's model repository): <c>latest</c>, <c>latest:N</c>, <c>specific:1,3</c> or <c>all</c>.
/// Set for the server (<c>pinn serve --version-policy</c>) and per model by a one-line file
/// <c>&lt;name&gt;/version_policy</c>.
/// </summary>
public sealed record VersionPolicy
{
    public const string FileName = "version_policy";

    private VersionPolicy(string text, int? latest, long[]? specific)
    {
        Text = text;
        Latest = latest;
        Specific = specific;
    }

    public static VersionPolicy LatestOne { get; } = new("latest", 1, null);

    /// <summary>The policy as written, e.g. "latest:2".</summary>
    public string Text { get; }
    private int? Latest { get; }
    private long[]? Specific { get; }
    /// <summary>N of latest:N; null for the other policies.</summary>
    public int? LatestCount => Latest;
    /// <summary>The versions of specific:...; null for the other policies.</summary>
    public IReadOnlyList<long>? SpecificVersions => Specific;

    /// <summary>latest:N for N &gt;= 1 (Triton's config.pbtxt latest { num_versions: N }).</summary>
    public static VersionPolicy LatestN(int n) => n == 1 ? LatestOne : new($"latest:{n}", n, null);
    public static VersionPolicy All { get; } = new("all", null, null);
    public static VersionPolicy SpecificOf(IEnumerable<long> versions)
    {
        var numbers = versions.Distinct().Order().ToArray();
        return new($"specific:{string.Join(',', numbers)}", null, numbers);
    }

    /// <summary>The versions to serve out of <paramref name="available"/>, highest first.</summary>
    public IReadOnlyList<long> Select(IEnumerable<long> available)
    {
        var descending = available.Distinct().OrderDescending();
        if (Latest is { } n) return descending.Take(n).ToArray();
        if (Specific is { } wanted) return descending.Where(wanted.Contains).ToArray();
        return descending.ToArray();
    }

    /// <summary>Parses a policy; <see cref="FormatException"/> names the bad text and the accepted forms.</summary>
    public static VersionPolicy Parse(string text)
    {
        string trimmed = text.Trim();
        string shown = trimmed.Length > 40 ? trimmed[..40] + "..." : trimmed;
        var parts = trimmed.Split(':', 2, StringSplitOptions.TrimEntries);
        switch (parts[0])
        {
            case "all" when parts.Length == 1:
                return new VersionPolicy("all", null, null);
            case "latest" when parts.Length == 1:
                return LatestOne;
            case "latest" when int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1:
                return new VersionPolicy($"latest:{n}", n, null);
            case "specific":
                var versions = parts.Length == 2 ? parts[1].Split(',', StringSplitOptions.TrimEntries) : [];
                if (versions.Length > 0 && versions.All(v => TryParseVersion(v, out _)))
                {
                    var numbers = versions.Select(v => long.Parse(v, CultureInfo.InvariantCulture)).Distinct().Order().ToArray();
                    return new VersionPolicy($"specific:{string.Join(',', numbers)}", null, numbers);
                }
                break;
        }
        throw new FormatException($"Version policy '{shown}' is not one of: latest, latest:N (N >= 1), specific:V1,V2,..., all.");
    }

    /// <summary>A version is a directory named by a positive whole number without sign or leading zeros (1, 2, 10).</summary>
    public static bool TryParseVersion(string text, out long version)
    {
        version = 0;
        return text.Length is > 0 and <= 18 && text[0] != '0' && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    public override string ToString() => Text;
}
