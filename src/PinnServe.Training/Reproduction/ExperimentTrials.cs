using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Training.Trials;

namespace PinnServe.Training.Reproduction;

/// <summary>
/// A row of a table (with the extra overrides every trial gets) as a recipe and as a trial file: the unit that
/// `pinn reproduce` and `pinn sweep` run in process, as `pinn run-trial` child processes, or on a cluster.
/// </summary>
public static class ExperimentTrials
{
    /// <summary>The row's problem with its parameters (and the extra ones over them).</summary>
    public static Problem CreateProblem(ExperimentRow row, RecipeOverrides extra)
    {
        var parameters = new Dictionary<string, double>(row.Overrides.Parameters);
        foreach (var (name, value) in extra.Parameters) parameters[name] = value;
        try
        {
            return ProblemDocument.IsProblemFile(row.Problem) ? ProblemFiles.Load(row.Problem, parameters) : ProblemCatalog.Create(row.Problem, parameters);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException && e is not ProblemFileException && row.Origin is not null)
        {
            throw new ArgumentException($"{row.Origin}: row '{row.Label}': {e.Message}", e);
        }
    }

    /// <summary>The recipe a trial of the row trains (seed included); a bad setting names its path and file:line:column.</summary>
    public static TrainingRecipe Recipe(ExperimentRow row, RecipeOverrides extra, ulong seed, Problem? problem = null)
    {
        problem ??= CreateProblem(row, extra);
        var recipe = row.Overrides.Then(extra).Bind(problem) with { Seed = seed, Parameters = new Dictionary<string, double>(problem.Parameters) };
        if (ProblemDocument.IsProblemFile(row.Problem))
            recipe = recipe with { ProblemFile = row.Problem, ProblemDirectory = Path.GetDirectoryName(row.Problem) };
        return recipe;
    }

    /// <summary>The trial file of one row and seed, with the whole recipe; <paramref name="runDir"/> is relative to the
    /// table's run root (RUNS/ID). The same file whether it runs here or on a cluster node.</summary>
    public static TrialFile Trial(Experiment experiment, ExperimentRow row, RecipeOverrides extra, ulong seed, string runDir, Problem? problem = null) =>
        TrialFile.WithWholeRecipe(Recipe(row, extra, seed, problem), TrialName(experiment, row, seed), runDir);

    public static string TrialName(Experiment experiment, ExperimentRow row, ulong seed) =>
        $"{experiment.Id}/{row.Label}/seed-{seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The run directory of a row's trial under the table's run root: ROW-SLUG/seed-N.</summary>
    public static string RunDirectory(ExperimentRow row, ulong seed) =>
        $"{Reproducer.Slug(row.Label)}/seed-{seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// What decides a run's numbers, comparable across machines: the recipe's JSON without the version and the paths
    /// of the problem file (a run keeps its own copy).
    /// </summary>
    public static JsonObject Comparable(TrainingRecipe recipe)
    {
        var o = JsonNode.Parse(recipe.ToJson())!.AsObject();
        foreach (var key in new[] { "version", "problem_file", "problem_directory" }) o.Remove(key);
        return o;
    }

    /// <summary>The setting paths where two recipes differ, with both values ("adam.iterations 500 → 40000"); empty when equal.</summary>
    public static List<string> Differences(JsonObject before, JsonObject now, string prefix = "")
    {
        var result = new List<string>();
        foreach (var key in before.Select(p => p.Key).Union(now.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            string path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            var (a, b) = (before[key], now[key]);
            if (a is JsonObject oa && b is JsonObject ob) result.AddRange(Differences(oa, ob, path));
            else if (!JsonNode.DeepEquals(a, b)) result.Add($"{path} {a?.ToJsonString() ?? "unset"} → {b?.ToJsonString() ?? "unset"}");
        }
        return result;
    }
}
