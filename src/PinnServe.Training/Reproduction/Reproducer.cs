using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;

namespace PinnServe.Training.Reproduction;

/// <summary>The outcome of one trial (one row, one seed).</summary>
public sealed record TrialResult(string Row, ulong Seed, string Status, double? RelativeL2, double? Seconds, double? MsPerIter);

/// <summary>
/// Runs an experiment's trials as separate `pinn train` processes (in parallel), skipping trials whose run
/// directory already holds a completed summary and resuming interrupted ones, then writes Markdown, CSV and
/// JSON with mean ± std next to the published value and their ratio.
/// </summary>
public sealed class Reproducer(string pinnCommand, string[] pinnPrefix, string runsRoot)
{
    /// <param name="startNone">Only collect trials that already completed (report while others still run).</param>
    /// <param name="onlySeeds">Start or resume only these seeds (null: 1 … <paramref name="trials"/>).</param>
    /// <param name="recorded">Trials the table already records (RecordedTrials): neither started nor resumed here, only
    /// reported (as completed here) when a completed run directory of theirs is here too.</param>
    public IReadOnlyList<TrialResult> Run(Experiment experiment, int trials, int jobs, string[] extraArguments,
        Action<string>? log = null, CancellationToken cancel = default, IReadOnlySet<string>? onlyRows = null, bool startNone = false,
        IReadOnlyCollection<TrialResult>? recorded = null, IReadOnlySet<ulong>? onlySeeds = null)
    {
        if (startNone)
            return experiment.Rows.Where(row => onlyRows is null || onlyRows.Contains(row.Label))
                .SelectMany(row => Enumerable.Range(1, trials).Select(seed =>
                    Existing(experiment, row, (ulong)seed, TrialArguments(row, extraArguments, (ulong)seed)).Completed))
                .Where(r => r is not null).Select(r => r!).ToList();
        var records = (recorded ?? []).ToDictionary(r => (r.Row, r.Seed));
        var work = new List<(ExperimentRow row, ulong seed)>();
        var doneHere = new List<TrialResult>();  // recorded trials whose run directory completed here too
        foreach (var row in experiment.Rows.Where(row => onlyRows is null || onlyRows.Contains(row.Label)))
            for (ulong seed = 1; seed <= (ulong)trials; seed++)
            {
                if (onlySeeds is not null && !onlySeeds.Contains(seed)) continue;
                if (!records.TryGetValue((row.Label, seed), out var record)) { work.Add((row, seed)); continue; }
                if (Existing(experiment, row, seed, TrialArguments(row, extraArguments, seed)).Completed is { } here)
                {
                    log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: already done ({experiment.MetricLabel} {here.RelativeL2:E3})");
                    doneHere.Add(here);
                }
                else log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: recorded by {experiment.Id}.csv ({experiment.MetricLabel} {record.RelativeL2:E3}); not run here");
            }
        var results = new TrialResult?[work.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, jobs));
        var tasks = work.Select((item, index) => Task.Run(async () =>
        {
            await gate.WaitAsync(cancel);
            try { results[index] = RunTrial(experiment, item.row, item.seed, extraArguments, ThreadsPerTrial(jobs, extraArguments), log, cancel); }
            finally { gate.Release(); }
        }, cancel)).ToArray();
        try { Task.WaitAll(tasks, cancel); }
        catch (OperationCanceledException) { }
        return [.. doneHere, .. results.Where(r => r is not null).Select(r => r!)];
    }

    /// <summary>Trials share the cores: each gets cores / jobs threads unless the extra arguments say otherwise.</summary>
    private static string[] ThreadsPerTrial(int jobs, string[] extra) =>
        extra.Contains("--threads") ? [] : ["--threads", Math.Max(1, Environment.ProcessorCount / Math.Max(1, jobs)).ToString(CultureInfo.InvariantCulture)];

    public static string Slug(string label) => new(label.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '-').ToArray());

    private TrialResult RunTrial(Experiment experiment, ExperimentRow row, ulong seed, string[] extra, string[] threads, Action<string>? log, CancellationToken cancel)
    {
        string dir = TrialDirectory(experiment, row, seed);
        string summaryPath = Path.Combine(dir, TrainingRun.SummaryFile);
        var trialArguments = TrialArguments(row, extra, seed);
        var (stale, done) = Existing(experiment, row, seed, trialArguments);
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
        bool resume = File.Exists(Path.Combine(dir, TrainingRun.CheckpointFile));
        if (!resume)
        {
            Directory.CreateDirectory(dir);
            AtomicFile.WriteAllText(Path.Combine(dir, TrialRecordFile),
                new JsonObject { ["row"] = row.Label, ["arguments"] = new JsonArray(trialArguments.Select(a => (JsonNode)a).ToArray()) }.ToJsonString());
        }
        var args = new List<string>(pinnPrefix) { "train" };
        if (resume) args.AddRange(["--resume", dir, .. threads]);
        else args.AddRange([.. Merge(row.Arguments, extra), .. threads, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", dir]);
        args.Add("--json");
        log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: {(resume ? "resuming" : "starting")}");
        var psi = new ProcessStartInfo(pinnCommand) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {pinnCommand}.");
        using var registration = cancel.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var result = TryReadCompleted(summaryPath, row.Label, seed, experiment.Metric);
        if (result is null)
        {
            string tail = string.Join(" | ", stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3));
            log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: failed (exit {process.ExitCode}): {tail}");
            return new TrialResult(row.Label, seed, cancel.IsCancellationRequested ? "interrupted" : $"failed (exit {process.ExitCode})", null, null, null);
        }
        log?.Invoke($"{experiment.Id} {row.Label} seed {seed}: {experiment.MetricLabel} {result.RelativeL2:E3} in {result.Seconds:F0} s");
        return result;
    }

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

    /// <summary>Written into a trial's directory when it starts: the row and the `pinn train` arguments it runs.</summary>
    public const string TrialRecordFile = "reproduce-trial.json";

    private string TrialDirectory(Experiment experiment, ExperimentRow row, ulong seed) =>
        Path.Combine(runsRoot, experiment.Id, Slug(row.Label), $"seed-{seed}");

    /// <summary>What a trial's directory already holds: why it is stale (then nothing of it is used), or its completed result.</summary>
    private (string? Stale, TrialResult? Completed) Existing(Experiment experiment, ExperimentRow row, ulong seed, IReadOnlyList<string> trialArguments)
    {
        string dir = TrialDirectory(experiment, row, seed);
        if (StaleReason(dir, trialArguments) is { } stale) return (stale, null);
        return (null, TryReadCompleted(Path.Combine(dir, TrainingRun.SummaryFile), row.Label, seed, experiment.Metric));
    }

    // What decides a trial's numbers: the row's arguments, the result-changing extra ones and the seed (not --threads).
    private static List<string> TrialArguments(ExperimentRow row, string[] extra, ulong seed) =>
        [.. Merge(row.Arguments, SetupChanging(extra)), "--seed", seed.ToString(CultureInfo.InvariantCulture)];

    /// <summary>
    /// Why a trial directory must not be counted or resumed: it was started with other arguments than the row now
    /// gives (the row was edited, or other --train-args were passed). Null when they agree or when the directory has
    /// no record (trials from before records were kept are trusted).
    /// </summary>
    private static string? StaleReason(string dir, IReadOnlyList<string> expected)
    {
        string path = Path.Combine(dir, TrialRecordFile);
        if (!File.Exists(path)) return null;
        try
        {
            var recorded = JsonNode.Parse(File.ReadAllText(path))!["arguments"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
            return recorded.SequenceEqual(expected) ? null
                : $"it was started as `pinn train {string.Join(' ', recorded)}`, the row now gives `{string.Join(' ', expected)}`";
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            return $"its {TrialRecordFile} is unreadable";
        }
    }

    // Options a row may give several times (each occurrence adds one name=value); every other option takes one value.
    private static readonly HashSet<string> Repeatable = ["--param", "--weight", "--term-points", "--learn"];

    /// <summary>
    /// The row's `pinn train` arguments with the extra ones after them; an extra single-valued option replaces the row's
    /// (e.g. --train-args "--iters 500" shortens a row that says --iters 40000), a repeatable one is added to them.
    /// </summary>
    public static List<string> Merge(IReadOnlyList<string> row, IReadOnlyList<string> extra)
    {
        var overridden = extra.Where(a => a.StartsWith("--", StringComparison.Ordinal) && !Repeatable.Contains(a)).ToHashSet();
        var merged = new List<string>();
        for (int i = 0; i < row.Count; i++)
        {
            if (!overridden.Contains(row[i])) { merged.Add(row[i]); continue; }
            if (i + 1 < row.Count && !row[i + 1].StartsWith("--", StringComparison.Ordinal)) i++; // and its value
        }
        merged.AddRange(extra);
        return merged;
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
                ["arguments"] = string.Join(' ', row.Arguments),
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
