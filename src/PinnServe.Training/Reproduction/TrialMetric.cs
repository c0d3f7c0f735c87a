using System.Globalization;
using System.Text.Json.Nodes;

namespace PinnServe.Training.Reproduction;

/// <summary>
/// What a reproduced trial reports, parsed once from an experiment's metric id: "rel_l2…" (a key of summary.json),
/// "learned:NAME" (the relative error of a learned coefficient) or "hessian:COLUMN" (the mean of a hessian.csv column).
/// </summary>
public sealed record TrialMetric
{
    private enum Kind { SummaryKey, Learned, Hessian }

    private readonly Kind _kind;
    private readonly string _argument;

    private TrialMetric(Kind kind, string argument) => (_kind, _argument) = (kind, argument);

    public static TrialMetric Parse(string id) =>
        id.StartsWith("rel_l2", StringComparison.Ordinal) ? new(Kind.SummaryKey, id)
        : id.StartsWith("learned:", StringComparison.Ordinal) && id.Length > "learned:".Length ? new(Kind.Learned, id["learned:".Length..])
        : id.StartsWith("hessian:", StringComparison.Ordinal) && id.Length > "hessian:".Length ? new(Kind.Hessian, id["hessian:".Length..])
        : throw new ArgumentException($"Unknown trial metric '{id}' (expected rel_l2…, learned:NAME or hessian:COLUMN).");

    /// <summary>The table's column heading.</summary>
    public string Label => _kind switch
    {
        Kind.SummaryKey => "rel. L²",
        Kind.Learned => $"rel. error of {_argument}",
        _ => $"mean λ_max(∇²{_argument})",
    };

    /// <summary>The value for a completed run (its summary.json and directory), or null when the run did not record it.</summary>
    public double? Read(JsonObject summary, string runDir) => _kind switch
    {
        Kind.SummaryKey => summary[_argument]?.GetValue<double>(),
        Kind.Learned => summary["learned"]?[_argument]?["relative_error"]?.GetValue<double>(),
        _ => MeanHessian(runDir, _argument),
    };

    /// <summary>Mean over training (step 0 excluded) of one column of the run's hessian.csv.</summary>
    private static double? MeanHessian(string runDir, string column)
    {
        string path = Path.Combine(runDir, "hessian.csv");
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        int index = Array.IndexOf(lines[0].Split(','), column);
        if (index < 0) throw new InvalidDataException($"hessian.csv of run '{Path.GetFileName(runDir)}' has no column '{column}'.");
        var values = lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f[0] != "0" && double.TryParse(f[index], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .Select(f => double.Parse(f[index], CultureInfo.InvariantCulture)).ToList();
        return values.Count == 0 ? null : values.Average();
    }
}
