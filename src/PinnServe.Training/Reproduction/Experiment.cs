using System.Text.Json.Nodes;

namespace PinnServe.Training.Reproduction;

/// <summary>One row of a table: the problem, what the row changes about its published setup, and the paper's number.</summary>
/// <param name="Problem">A catalog problem's name, or a problem file's full path.</param>
/// <param name="Overrides">The model preset, parameters and settings by path the row trains with.</param>
/// <param name="Published">The paper's mean relative L² (null when the paper gives none).</param>
/// <param name="PublishedSeconds">The paper's training time, when it reports one.</param>
public sealed record ExperimentRow(string Label, string Problem, RecipeOverrides Overrides, double? Published, double? PublishedSeconds = null)
{
    /// <summary>The `pinn train` arguments the row was written as (a sweep's rows), shown in ID.json; null for rows from data files.</summary>
    public string? Arguments { get; init; }
    /// <summary>Where the row is written (file:line:column), for messages.</summary>
    public string? Origin { get; init; }

    /// <summary>The row as data: problem, model, parameters and settings (what ID.json records and a sweep's identity hashes).</summary>
    public JsonObject RecipeJson()
    {
        var o = Overrides.ToJson();
        o.Insert(0, "problem", Problem);
        return o;
    }
}

/// <summary>A published table or figure that `pinn reproduce ID` re-runs (one data file, <see cref="ExperimentFile"/>).</summary>
/// <param name="Metric">What a trial reports: "rel_l2" (summary.json), "learned:NAME" — the relative error of a learned
/// coefficient (inverse problems), or "hessian:COLUMN" — the mean over training (step 0 excluded) of that column of
/// hessian.csv, the largest Hessian eigenvalue (runs need logging.diagnostics.hessian_every).</param>
public sealed record Experiment(string Id, string Title, string Source, IReadOnlyList<ExperimentRow> Rows, string Notes = "", string Metric = "rel_l2")
{
    public string MetricLabel => TrialMetric.Parse(Metric).Label;
}

/// <summary>
/// The seed papers' tables (SPEC §3): the data files of experiments/ (one per table), embedded in this assembly so the
/// packed tool carries them; experiments/catalog.txt gives their order (`pinn reproduce list`, results.md).
/// </summary>
public static class ExperimentCatalog
{
    private const string ResourcePrefix = "PinnServe.Experiments.";
    private static readonly Lazy<IReadOnlyList<Experiment>> Loaded = new(Load);

    public static IReadOnlyList<Experiment> All => Loaded.Value;

    public static Experiment Find(string id) =>
        All.FirstOrDefault(e => e.Id == id)
        ?? throw new ArgumentException($"Unknown experiment '{id}' (known: {string.Join(", ", All.Select(e => e.Id))}; or give a table of your own with --file TABLE.toml).");

    private static IReadOnlyList<Experiment> Load()
    {
        var assembly = typeof(ExperimentCatalog).Assembly;
        string order = Read(assembly, "catalog.txt");
        return order.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(id =>
            {
                var e = ExperimentFile.Parse(Read(assembly, id + ".toml"), $"experiments/{id}.toml", directory: null);
                if (e.Id != id) throw new InvalidDataException($"experiments/{id}.toml: its id is '{e.Id}', not '{id}'.");
                return e;
            }).ToList();
    }

    private static string Read(System.Reflection.Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name)
                           ?? throw new InvalidDataException($"experiments/{name} is not embedded in {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
