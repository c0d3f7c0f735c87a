using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;

namespace PinnServe.Training.Trials;

/// <summary>What running a trial did: trained it to the end, found it already complete, or stopped (interrupted, diverged).</summary>
public sealed record TrialOutcome(string Status, string RunDir, JsonObject? Summary)
{
    public const string AlreadyComplete = "already-complete";
}

/// <summary>
/// Runs a trial file into its run directory: a new run, or the resumption of the one there (which must be the same
/// trial), or nothing when the run is already complete. The run directory keeps a copy of the trial (trial.json).
/// </summary>
public static class TrialRunner
{
    /// <param name="runRoot">Where a relative run_dir resolves: the caller's --run-root, else the trial file's folder.</param>
    /// <param name="dataDirectory">Where an embedded problem file's relative paths (reference, data files) resolve.</param>
    public static TrialOutcome Run(TrialFile trial, string runRoot, string dataDirectory, int threads = 1,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        using var run = Open(trial, runRoot, dataDirectory, threads, out var complete);
        if (run is null) return complete!;
        var summary = run.Run(progress, cancel);
        return new TrialOutcome(summary["status"]!.GetValue<string>(), run.Directory, summary);
    }

    /// <summary>The trial's run, created or resumed; null (and <paramref name="complete"/>) when it has nothing left to do.</summary>
    public static TrainingRun? Open(TrialFile trial, string runRoot, string dataDirectory, int threads, out TrialOutcome? complete)
    {
        string dir = trial.ResolveRunDir(runRoot);
        complete = null;
        string copy = Path.Combine(dir, TrialFile.CopyInRunDirectory);
        if (File.Exists(copy))
        {
            var recorded = TrialFile.Read(copy);
            if (!SameTrial(recorded, trial))
                throw new InvalidDataException($"'{dir}' holds another trial ('{recorded.Name}', see its {TrialFile.CopyInRunDirectory}); give this trial its own run_dir.");
        }
        else if (File.Exists(Path.Combine(dir, TrainingRun.ConfigFile)))
            throw new InvalidDataException($"'{dir}' holds a run that was not started from a trial file; give this trial its own run_dir.");

        if (File.Exists(Path.Combine(dir, TrainingRun.ConfigFile)))
        {
            if (CompletedSummary(dir) is { } summary)
            {
                complete = new TrialOutcome(TrialOutcome.AlreadyComplete, dir, summary);
                return null;
            }
            return TrainingRun.Resume(dir, threads);
        }
        Directory.CreateDirectory(dir);
        var config = trial.ToConfig(Path.Combine(dir, TrainingRun.ProblemFileCopy), dataDirectory);
        AtomicFile.WriteAllText(copy, trial.ToJson());
        return TrainingRun.Create(config, dir, threads);
    }

    /// <summary>summary.json of a run that finished every step, or null.</summary>
    private static JsonObject? CompletedSummary(string dir)
    {
        string path = Path.Combine(dir, TrainingRun.SummaryFile);
        if (!File.Exists(path)) return null;
        try
        {
            var summary = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            var config = TrainingRecipe.FromJson(File.ReadAllText(Path.Combine(dir, TrainingRun.ConfigFile)), TrainingRun.ConfigFile);
            return summary?["status"]?.GetValue<string>() == "completed" && summary["iterations"]?.GetValue<int>() >= config.TotalIterations ? summary : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return null; }
    }

    private static bool SameTrial(TrialFile a, TrialFile b) =>
        JsonNode.DeepEquals(JsonNode.Parse(a.ToJson()), JsonNode.Parse(b.ToJson()));
}
