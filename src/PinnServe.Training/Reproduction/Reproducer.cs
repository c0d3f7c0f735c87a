using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Training.Trials;

namespace PinnServe.Training.Reproduction;

/// <summary>The outcome of one trial (one row, one seed).</summary>
public sealed record TrialResult(string Row, ulong Seed, string Status, double? RelativeL2, double? Seconds, double? MsPerIter);

/// <summary>
/// Runs an experiment's trials (in parallel): each row and seed becomes a trial file (<see cref="ExperimentTrials"/>)
/// that <see cref="TrialRunner"/> trains in this process, or a `pinn run-trial` child process when
/// <see cref="Isolate"/> is set. Trials whose run directory already holds a completed summary are skipped, interrupted
/// ones resumed; then it writes Markdown, CSV and JSON with mean ± std next to the published value and their ratio.
/// </summary>
/// <param name="runsRoot">Trials run in RUNS/ID/ROW-SLUG/seed-N.</param>
public sealed class Reproducer(string runsRoot)
{
    /// <summary>Start each trial as a child process `COMMAND PREFIX… run-trial` instead of in this process.</summary>
    public (string Command, string[] Prefix)? Isolate { get; init; }

    /// <summary>
    /// The recipe overrides of `pinn train` options (the extra arguments every trial gets; the command line knows them).
    /// Without it only --threads may be given.
    /// </summary>
    public Func<IReadOnlyList<string>, RecipeOverrides>? ParseOptions { get; init; }

    /// <summary>
    /// The recipe of a whole `pinn train` command line (problem first), as run directories written before trial files
    /// recorded it (reproduce-trial.json): such a directory is the row's trial when this recipe equals the row's.
    /// Without it such directories are stale.
    /// </summary>
    public Func<IReadOnlyList<string>, TrainingRecipe>? BindArguments { get; init; }

    /// <param name="startNone">Only collect trials that already completed (report while others still run).</param>
    /// <param name="onlySeeds">Start or resume only these seeds (null: 1 … <paramref name="trials"/>).</param>
    /// <param name="recorded">Trials the table already records (RecordedTrials): neither started nor resumed here, only
    /// reported (as completed here) when a completed run directory of theirs is here too.</param>
    public IReadOnlyList<TrialResult> Run(Experiment experiment, int trials, int jobs, string[] extraArguments,
        Action<string>? log = null, CancellationToken cancel = default, IReadOnlySet<string>? onlyRows = null, bool startNone = false,
        IReadOnlyCollection<TrialResult>? recorded = null, IReadOnlySet<ulong>? onlySeeds = null)
    {
        var extra = Extra(extraArguments);
        if (startNone)
            return experiment.Rows.Where(row => onlyRows is null || onlyRows.Contains(row.Label))
                .SelectMany(row => Enumerable.Range(1, trials).Select(seed => Existing(experiment, row, (ulong)seed, extra).Completed))
                .Where(r => r is not null).Select(r => r!).ToList();
        var records = (recorded ?? []).ToDictionary(r => (r.Row, r.Seed));
        var work = new List<(ExperimentRow row, ulong seed)>();
        var doneHere = new List<TrialResult>();  // recorded trials whose run directory completed here too
        foreach (var row in experiment.Rows.Where(row => onlyRows is null || onlyRows.Contains(row.Label)))
            for (ulong seed = 1; seed <= (ulong)trials; seed++)
            {
                if (onlySeeds is not null && !onlySeeds.Contains(seed)) continue;
                if (!records.TryGetValue((row.Label, seed), out var record)) { work.Add((row, seed)); continue; }
                if (Existing(experiment, row, seed, extra).Completed is { } here)
                {
                    log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: already done ({experiment.MetricLabel} {here.RelativeL2:E3})");
                    doneHere.Add(here);
                }
                else log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: recorded by {experiment.Id}.csv ({experiment.MetricLabel} {record.RelativeL2:E3}); not run here");
            }
        var results = new TrialResult?[work.Count];
        int threads = ThreadsPerTrial(jobs, extraArguments);
        using var gate = new SemaphoreSlim(Math.Max(1, jobs));
        var tasks = work.Select((item, index) => Task.Run(async () =>
        {
            await gate.WaitAsync(cancel);
            try { results[index] = RunTrial(experiment, item.row, item.seed, extra, threads, log, cancel); }
            finally { gate.Release(); }
        }, cancel)).ToArray();
        try { Task.WaitAll(tasks, cancel); }
        catch (OperationCanceledException) { }
        return [.. doneHere, .. results.Where(r => r is not null).Select(r => r!)];
    }

    /// <summary>The overrides of the extra arguments (--threads aside: it does not change a trial's numbers).</summary>
    private RecipeOverrides Extra(string[] extraArguments)
    {
        var changing = SetupChanging(extraArguments);
        if (changing.Count == 0) return RecipeOverrides.None;
        return ParseOptions?.Invoke(changing)
               ?? throw new ArgumentException($"extra arguments `{string.Join(' ', changing)}` need the command line's options (ParseOptions).");
    }

    /// <summary>Trials share the cores: each gets cores / jobs threads unless the extra arguments say --threads N.</summary>
    private static int ThreadsPerTrial(int jobs, string[] extra)
    {
        int at = Array.LastIndexOf(extra, "--threads");
        if (at >= 0 && at + 1 < extra.Length && int.TryParse(extra[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1) return n;
        return Math.Max(1, Environment.ProcessorCount / Math.Max(1, jobs));
    }

    public static string Slug(string label) => new(label.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '-').ToArray());

    private string RunRoot(Experiment experiment) => Path.GetFullPath(Path.Combine(runsRoot, experiment.Id));

    private TrialResult RunTrial(Experiment experiment, ExperimentRow row, ulong seed, RecipeOverrides extra, int threads, Action<string>? log, CancellationToken cancel)
    {
        string dir = TrialDirectory(experiment, row, seed);
        string summaryPath = Path.Combine(dir, TrainingRun.SummaryFile);
        TrialResult Failed(string status, string why)
        {
            log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: {status}: {why}");
            return new TrialResult(row.Label, seed, cancel.IsCancellationRequested ? "interrupted" : status, null, null, null);
        }
        TrialFile trial;
        try { trial = ExperimentTrials.Trial(experiment, row, extra, seed, ExperimentTrials.RunDirectory(row, seed)); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException) { return Failed("failed", e.Message); }
        var (stale, done, adopt) = Existing(experiment, row, seed, trial);
        if (stale is not null)
        {
            log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: not used: {stale}; move {Path.GetFileName(dir)} out of {Path.GetFileName(Path.GetDirectoryName(dir))} to run it again");
            return new TrialResult(row.Label, seed, "stale", null, null, null);
        }
        if (done is not null)
        {
            log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: already done ({experiment.MetricLabel} {done.RelativeL2:E3})");
            return done;
        }
        // A run directory from before trial files whose recorded arguments give this row's recipe (or that recorded
        // nothing): it becomes this trial's, so TrialRunner resumes it.
        if (adopt is not null) AtomicFile.WriteAllText(Path.Combine(dir, TrialFile.CopyInRunDirectory), adopt.ToJson());
        bool resume = File.Exists(Path.Combine(dir, TrainingRun.CheckpointFile));
        log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: {(resume ? "resuming" : "starting")}");
        string dataDirectory = DataDirectory(row);
        // A trial.json already there holds the same recipe (else it is stale): run that one, as TrialRunner insists.
        string trialPath = Path.Combine(dir, TrialFile.CopyInRunDirectory);
        if (File.Exists(trialPath)) trial = TrialFile.Read(trialPath);
        if (Isolate is { } isolate)
        {
            Directory.CreateDirectory(dir);
            if (!File.Exists(trialPath)) AtomicFile.WriteAllText(trialPath, trial.ToJson());
            var psi = new ProcessStartInfo(isolate.Command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])[.. isolate.Prefix, "run-trial", trialPath, "--run-root", RunRoot(experiment), "--data-dir", dataDirectory,
                         "--threads", threads.ToString(CultureInfo.InvariantCulture), "--json"])
                psi.ArgumentList.Add(a);
            Process process;
            try { process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {isolate.Command}"); }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { return Failed("failed", e.Message); }
            using (process)
            using (cancel.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
            {
                var stderr = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (TryReadCompleted(summaryPath, row.Label, seed, experiment.Metric) is not { } isolated)
                    return Failed($"failed (exit {process.ExitCode})", string.Join(" | ", stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3)));
                log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: {experiment.MetricLabel} {isolated.RelativeL2:E3} in {isolated.Seconds:F0} s");
                return isolated;
            }
        }
        try
        {
            var outcome = TrialRunner.Run(trial, RunRoot(experiment), dataDirectory, threads, cancel: cancel);
            if (TryReadCompleted(summaryPath, row.Label, seed, experiment.Metric) is not { } result)
                return Failed($"failed ({outcome.Status})", $"the run ended {outcome.Status}");
            log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: {experiment.MetricLabel} {result.RelativeL2:E3} in {result.Seconds:F0} s");
            return result;
        }
        catch (OperationCanceledException) { return Failed("interrupted", "cancelled"); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or NotSupportedException or InvalidOperationException)
        {
            return Failed("failed", e.Message);
        }
    }

    /// <summary>Where an embedded problem file's relative paths resolve: the original file's folder.</summary>
    private static string DataDirectory(ExperimentRow row) =>
        Physics.Files.ProblemDocument.IsProblemFile(row.Problem) ? Path.GetDirectoryName(row.Problem)! : Directory.GetCurrentDirectory();

    private static TrialResult? TryReadCompleted(string path, string row, ulong seed, string metric)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var s = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            if (s["status"]?.GetValue<string>() != "completed") return null;
            double? value = TrialMetric.Parse(metric).Read(s, Path.GetDirectoryName(path)!);
            return new TrialResult(row, seed, "completed", value, s["seconds"]?.GetValue<double>(), s["ms_per_iter"]?.GetValue<double>());
        }
        catch (JsonException) { return null; }
    }

    /// <summary>What run directories wrote before trial files (reproduce-trial.json): the row and its `pinn train` arguments.</summary>
    public const string TrialRecordFile = "reproduce-trial.json";

    private string TrialDirectory(Experiment experiment, ExperimentRow row, ulong seed) =>
        Path.Combine(runsRoot, experiment.Id, Slug(row.Label), $"seed-{seed}");

    /// <summary>A completed trial of the row in its directory (null when there is none or it is stale).</summary>
    private (string? Stale, TrialResult? Completed) Existing(Experiment experiment, ExperimentRow row, ulong seed, RecipeOverrides extra)
    {
        string dir = TrialDirectory(experiment, row, seed);
        if (!File.Exists(Path.Combine(dir, TrainingRun.SummaryFile))) return (null, null);
        TrialFile trial;
        try { trial = ExperimentTrials.Trial(experiment, row, extra, seed, ExperimentTrials.RunDirectory(row, seed)); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException) { return ($"the row cannot be bound ({e.Message})", null); }
        var (stale, completed, _) = Existing(experiment, row, seed, trial);
        return (stale, completed);
    }

    /// <summary>
    /// What a trial's directory already holds: why it is stale (then nothing of it is used), its completed result, and
    /// the trial file to write into it when it predates trial files and is this trial's run.
    /// </summary>
    private (string? Stale, TrialResult? Completed, TrialFile? Adopt) Existing(Experiment experiment, ExperimentRow row, ulong seed, TrialFile trial)
    {
        string dir = TrialDirectory(experiment, row, seed);
        if (!Directory.Exists(dir)) return (null, null, null);
        var (stale, adopt) = StaleReason(dir, row, trial);
        if (stale is not null) return (stale, null, null);
        return (null, TryReadCompleted(Path.Combine(dir, TrainingRun.SummaryFile), row.Label, seed, experiment.Metric), adopt);
    }

    /// <summary>
    /// Whether a run directory is the row's trial now. The rule: a directory is current when the recipe it recorded,
    /// bound as it was recorded, equals the recipe the row (with the extra settings and the seed) binds to now —
    /// its trial.json through <see cref="TrialFile.Bind"/>, or, from before trial files, the `pinn train` arguments of
    /// its reproduce-trial.json through <see cref="BindArguments"/> (then it is adopted: given this trial's trial.json).
    /// A directory that recorded neither is trusted (and adopted), as before. A stale one names the settings that differ.
    /// </summary>
    private (string? Stale, TrialFile? Adopt) StaleReason(string dir, ExperimentRow row, TrialFile trial)
    {
        string copy = Path.Combine(dir, TrialFile.CopyInRunDirectory), legacy = Path.Combine(dir, TrialRecordFile);
        bool hasRun = File.Exists(Path.Combine(dir, TrainingRun.ConfigFile));
        if (!File.Exists(copy) && !File.Exists(legacy)) return (null, hasRun ? trial : null);
        try
        {
            var problem = trial.CreateProblem(DataDirectory(row));
            var now = ExperimentTrials.Comparable(trial.Bind(problem));
            if (File.Exists(copy))
            {
                var recorded = TrialFile.Read(copy);
                if (JsonNode.DeepEquals(JsonNode.Parse(recorded.ToJson()), JsonNode.Parse(trial.ToJson()))) return (null, null);
                if (!JsonNode.DeepEquals(JsonSerializer.SerializeToNode(recorded.Problem), JsonSerializer.SerializeToNode(trial.Problem)))
                    return ("its trial.json trains another problem than the row now gives", null);
                var differences = ExperimentTrials.Differences(ExperimentTrials.Comparable(recorded.Bind(problem)), now);
                // The same recipe written otherwise (e.g. in full by an older pinn): it runs on with its own trial file.
                return differences.Count == 0 ? (null, null) : ($"its trial.json differs from the row in {string.Join("; ", differences)}", null);
            }
            var arguments = JsonNode.Parse(File.ReadAllText(legacy))!["arguments"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
            string started = $"it was started as `pinn train {string.Join(' ', arguments)}`";
            if (BindArguments is null) return ($"{started}, which only the command line can compare with the row", null);
            var changed = ExperimentTrials.Differences(ExperimentTrials.Comparable(BindArguments(arguments)), now);
            return changed.Count == 0 ? (null, hasRun ? trial : null) : ($"{started}, which differs from the row in {string.Join("; ", changed)}", null);
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            return ($"its record cannot be compared with the row ({e.Message})", null);
        }
    }

    /// <summary>The extra arguments that can change results: --threads N does not (trials are bit-identical for any count).</summary>
    public static List<string> SetupChanging(IReadOnlyList<string> extra)
    {
        var kept = new List<string>();
        for (int i = 0; i < extra.Count; i++)
        {
            if (extra[i] == "--threads") { i++; continue; }
            kept.Add(extra[i]);
        }
        return kept;
    }

    /// <summary>Writes ID.md, ID.csv and ID.json into <paramref name="outputDir"/>; returns the Markdown.</summary>
    public static string Write(Experiment experiment, IReadOnlyList<TrialResult> results, string outputDir, string command, string machine,
        IReadOnlyList<string>? extraArguments = null)
    {
        Directory.CreateDirectory(outputDir);
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"### {experiment.Title}").AppendLine();
        md.AppendLine($"Source: {experiment.Source}. Command: `{command}`. Machine: {machine}. Written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.").AppendLine();
        var changes = SetupChanging(extraArguments ?? []);
        if (changes.Count > 0)
            md.AppendLine($"**Not the paper's setup:** every trial ran with the extra arguments `{string.Join(' ', changes)}`, which override the title's budget.").AppendLine();
        md.AppendLine($"| row | trials | {experiment.MetricLabel} mean ± std | published | ratio (ours / published) | wall time per trial (s) | ms/iter |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        var csv = new StringBuilder("row,seed,status,rel_l2,seconds,ms_per_iter\n");
        var json = new JsonArray();
        foreach (var row in experiment.Rows)
        {
            var mine = results.Where(r => r.Row == row.Label && r.RelativeL2 is not null).ToList();
            foreach (var r in results.Where(r => r.Row == row.Label))
                csv.AppendLine(string.Join(",", CsvField(row.Label), r.Seed, r.Status, r.RelativeL2?.ToString("R", inv), r.Seconds?.ToString("R", inv), r.MsPerIter?.ToString("R", inv)));
            double? mean = mine.Count > 0 ? mine.Average(r => r.RelativeL2!.Value) : null;
            double? std = mine.Count > 1 ? Math.Sqrt(mine.Sum(r => Math.Pow(r.RelativeL2!.Value - mean!.Value, 2)) / (mine.Count - 1)) : null;
            double? seconds = mine.Count > 0 ? mine.Average(r => r.Seconds ?? 0) : null;
            double? ms = mine.Count > 0 ? mine.Average(r => r.MsPerIter ?? 0) : null;
            double? ratio = mean is not null && row.Published is { } p ? mean / p : null;
            string published = row.Published is { } pv ? pv.ToString("0.00e+0", inv) + (row.PublishedSeconds is { } ps ? $" ({ps:0} s)" : "") : "—";
            md.AppendLine($"| {row.Label} | {mine.Count} | {(mean is null ? "—" : mean.Value.ToString("0.00e+0", inv) + (std is null ? "" : " ± " + std.Value.ToString("0.0e+0", inv)))} | {published} | {(ratio is null ? "—" : ratio.Value.ToString("0.00", inv))} | {(seconds is null ? "—" : seconds.Value.ToString("0", inv))} | {(ms is null ? "—" : ms.Value.ToString("0.00", inv))} |");
            json.Add(new JsonObject
            {
                ["row"] = row.Label, ["trials"] = mine.Count, ["rel_l2_mean"] = mean, ["rel_l2_std"] = std,
                ["published"] = row.Published, ["ratio"] = ratio, ["seconds_mean"] = seconds, ["ms_per_iter"] = ms,
                ["arguments"] = row.Arguments, ["recipe"] = row.RecipeJson(),
            });
        }
        if (experiment.Notes.Length > 0) md.AppendLine().AppendLine(experiment.Notes);
        var carried = results.Where(r => r.Status == RecordedTrials.Status).ToList();
        if (carried.Count > 0)
        {
            string which = carried.Count == results.Count(r => r.RelativeL2 is not null)
                ? carried.Count == 1 ? "The table's one trial is" : $"All {carried.Count} trials of this table are"
                : $"{carried.Count} of these trials ({string.Join("; ", carried.GroupBy(r => r.Row).Select(g => $"'{g.Key}' seed{(g.Count() > 1 ? "s" : "")} {string.Join(", ", g.Select(r => r.Seed))}"))}) are";
            md.AppendLine().AppendLine($"{which} carried over from its previous {experiment.Id}.csv: their run directories are not on the machine that wrote it (status `{RecordedTrials.Status}` in the CSV).");
        }
        AtomicFile.WriteAllText(Path.Combine(outputDir, experiment.Id + ".md"), md.ToString());
        AtomicFile.WriteAllText(Path.Combine(outputDir, experiment.Id + ".csv"), csv.ToString());
        var table = new JsonObject { ["id"] = experiment.Id, ["title"] = experiment.Title, ["source"] = experiment.Source, ["metric"] = experiment.Metric, ["command"] = command };
        // What RecordedTrials compares a later run's --train-args with (a sweep passes none: its extras are in the command).
        if (extraArguments is not null) table["train_args"] = new JsonArray(changes.Select(a => (JsonNode)a).ToArray());
        table["rows"] = json;
        AtomicFile.WriteAllText(Path.Combine(outputDir, experiment.Id + ".json"), table.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return md.ToString();
    }

    // RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled (sweep labels may hold commas).
    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
