using System.Globalization;
using System.Text.Json;
using PinnServe.Contracts;
using PinnServe.Training.Runs;

namespace PinnServe.Training;

/// <summary>Resuming and extending a run: the run directory's one writer (see docs/run-directories.md).</summary>
public sealed partial class TrainingRun
{
    /// <summary>Continues the run in <paramref name="dir"/> from its newest intact checkpoint.</summary>
    /// <param name="device">Another compute backend than the run's (θ and the optimizer state are host data, so a run moves between devices).</param>
    /// <param name="budget">Larger budgets to extend the run to (<see cref="RunBudget"/>); null: the recorded ones.</param>
    /// <param name="notes">Receives what the caller should tell the user (an extension that cannot be bit-identical).</param>
    public static TrainingRun Resume(string dir, int threads = 1, string? device = null, RunBudget? budget = null, Action<string>? notes = null)
    {
        var (recorded, config) = RunReader.ReadConfig(dir);
        var runLock = RunLock.Acquire(dir);  // one writer per run directory
        ITrainer? trainer = null;
        try
        {
            RunPaths.CleanLeftovers(dir);
            (recorded, config) = RunReader.ReadConfig(dir);  // again, now that no other writer can change it
            var store = new CheckpointStore(dir);
            var found = store.LoadNewest();
            if (found is null && RunReader.HasProgress(dir))
                throw new RunDataException($"Run '{RunPaths.Display(dir)}' has recorded training ({RunReader.ProgressEvidence(dir)}) but no checkpoint: " +
                    "it cannot continue where it stopped. Start a new run (another --out), or restore its checkpoint files.");
            int step = found?.Checkpoint.Step ?? 0;
            if (budget is not null)
            {
                var extended = budget.ApplyTo(recorded, step, notes);
                if (extended != recorded)
                {
                    AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), extended.ToJson());
                    config = config.WithAdam(it => it with { Iterations = extended.Adam.Iterations }).WithLbfgs(it => it with { Iterations = extended.Lbfgs.Iterations })
                        .WithLogging(it => it with { CheckpointEvery = extended.Logging.CheckpointEvery });
                }
            }
            var runConfig = device is null ? config : config.WithDevice(it => it with { Name = device });
            trainer = RunReader.CreateTrainer(runConfig, dir, threads);
            double elapsed = 0;
            if (found is { } f)
            {
                RunReader.Apply(trainer, f.Checkpoint, f.Name);
                elapsed = ReadElapsed(dir);
            }
            var run = new TrainingRun(trainer, dir, elapsed, runLock);
            run.TruncateMetrics(trainer.Step);
            if (budget is not null && found is { } c && c.Checkpoint.Step == recorded.TotalIterations && config.TotalIterations > recorded.TotalIterations)
                run.DropFinalOnlyMetrics(recorded.TotalIterations);
            return run;
        }
        catch
        {
            trainer?.Dispose();
            runLock.Release();
            throw;
        }
    }

    /// <summary>
    /// A finished run being extended: its last row was written (and evaluated) only because it was the last step; the
    /// longer run writes that row only where the logging and evaluation intervals say, so the row is dropped or its
    /// relative L² cleared to keep metrics.csv the same as a run started with the larger budget.
    /// </summary>
    private void DropFinalOnlyMetrics(int finalStep)
    {
        var c = _trainer.Config;
        bool logged = finalStep % c.Logging.LogEvery == 0, evaluated = finalStep % c.Logging.EvaluateEvery == 0;
        if (evaluated) return;
        string path = Path.Combine(_dir, MetricsFile);
        var lines = File.ReadAllLines(path).ToList();
        var header = lines[0].Split(',');
        string prefix = finalStep.ToString(CultureInfo.InvariantCulture) + ",";
        int last = lines.FindLastIndex(l => l.StartsWith(prefix, StringComparison.Ordinal));
        if (last < 1) return;
        if (!logged) lines.RemoveAt(last);
        else
        {
            var cells = lines[last].Split(',');
            for (int i = 0; i < header.Length && i < cells.Length; i++)
                if (header[i].StartsWith("rel_l2_", StringComparison.Ordinal)) cells[i] = "";
            lines[last] = string.Join(",", cells);
        }
        AtomicFile.WriteAllText(path, string.Join("\n", lines) + "\n");
    }
}

/// <summary>summary.json's numbers: JSON has no NaN or ∞.</summary>
public static class RunSummary
{
    /// <summary>
    /// Replaces every non-finite number by null and lists it under "non_finite" with its value as text
    /// (<c>"non_finite": {"rel_l2": "NaN"}</c>), so the summary is always written and always valid JSON.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject WithFiniteNumbers(System.Text.Json.Nodes.JsonObject summary)
    {
        var nonFinite = new System.Text.Json.Nodes.JsonObject();
        Visit(summary, "");
        if (nonFinite.Count > 0) summary["non_finite"] = nonFinite;
        return summary;

        void Visit(System.Text.Json.Nodes.JsonObject node, string prefix)
        {
            foreach (var key in node.Select(p => p.Key).ToList())
            {
                switch (node[key])
                {
                    case System.Text.Json.Nodes.JsonObject child: Visit(child, $"{prefix}{key}."); break;
                    case System.Text.Json.Nodes.JsonValue value when value.TryGetValue(out double d) && !double.IsFinite(d):
                        node[key] = null;
                        nonFinite[prefix + key] = d.ToString(CultureInfo.InvariantCulture);
                        break;
                }
            }
        }
    }
}
