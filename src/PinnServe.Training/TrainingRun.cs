using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Physics;
using PinnServe.Training.Runs;

namespace PinnServe.Training;

/// <summary>A snapshot for progress displays.</summary>
public sealed record ProgressInfo(int Step, int Iterations, IReadOnlyList<string> Terms, IReadOnlyList<double> Losses,
    IReadOnlyList<string> WeightedTerms, IReadOnlyList<double> Weights, double StepsPerSecond, double? RelativeL2, string Phase = "adam");

/// <summary>
/// A training job in a run directory: config.json (enough to re-run), metrics.csv, checkpoint.json (atomic,
/// every N steps and at the end), network.json, fields.json and summary.json. Resuming continues exactly as
/// if the run had never stopped.
/// </summary>
public sealed partial class TrainingRun : IDisposable
{
    public const string ConfigFile = "config.json", MetricsFile = "metrics.csv", CheckpointFile = "checkpoint.json",
        NetworkFileName = "network.json", FieldsFile = "fields.json", SummaryFile = "summary.json", ProblemFileCopy = "problem";

    private readonly ITrainer _trainer;
    private readonly string _dir;
    private double _elapsedBefore;
    private readonly RunLock _lock;
    private readonly CheckpointStore _checkpoints;

    private TrainingRun(ITrainer trainer, string dir, double elapsedBefore, RunLock runLock)
    {
        _trainer = trainer;
        _dir = dir;
        _elapsedBefore = elapsedBefore;
        _lock = runLock;
        _checkpoints = new CheckpointStore(dir);
    }

    public ITrainer Trainer => _trainer;
    public string Directory => _dir;

    public void Dispose()
    {
        _trainer.Dispose();
        _lock.Release();
    }

    public static TrainingRun Create(TrainingRecipe config, string dir, int threads = 1) =>
        Create(dir, () => TrainerFactory.Create(config, threads), config);

    /// <summary>
    /// A run of a problem object (no registration): the same files, but `--resume` and `eval` can rebuild the problem
    /// only if it is a catalog problem or <see cref="TrainingRecipe.ProblemFile"/> names its file.
    /// </summary>
    public static TrainingRun Create(Problem problem, TrainingRecipe config, string dir, int threads = 1) =>
        Create(dir, () => TrainerFactory.Create(problem, config, threads), config with { Problem = problem.Name });

    private static TrainingRun Create(string dir, Func<ITrainer> createTrainer, TrainingRecipe config)
    {
        bool created = !System.IO.Directory.Exists(dir);
        System.IO.Directory.CreateDirectory(dir);
        var runLock = RunLock.Acquire(dir);  // one writer per run directory
        try
        {
            RunPaths.CleanLeftovers(dir);
            if (new CheckpointStore(dir).Any())
                throw new IOException($"'{RunPaths.Display(dir)}' already holds a run; use --resume to continue it or choose another --out.");
            var trainer = createTrainer();
            if (config.ProblemFile is { } problemFile)
            {
                // The run keeps its own copy of the problem file, so resume, eval and report work if the original changes or moves.
                string copy = ProblemFileCopy + Path.GetExtension(problemFile).ToLowerInvariant();
                AtomicFile.WriteAllText(Path.Combine(dir, copy), File.ReadAllText(problemFile));
                config = config with { ProblemFile = copy };
            }
            AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJson());
            var run = new TrainingRun(trainer, dir, 0, runLock);
            AtomicFile.WriteAllText(Path.Combine(dir, MetricsFile), run.MetricsHeader() + "\n");
            // A step-0 checkpoint: from now on a run without any checkpoint is one that lost it (resume refuses it).
            run._checkpoints.Save(trainer.CaptureCheckpoint());
            return run;
        }
        catch
        {
            runLock.Release();
            // A run refused before its first file (a missing reference, say) leaves no empty directory behind;
            // a non-empty one is never touched.
            if (created) try { System.IO.Directory.Delete(dir); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Trains to the configured iteration count (Adam steps, then any L-BFGS iterations); returns the summary written to summary.json.</summary>
    public JsonObject Run(IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default, int progressEvery = 50)
    {
        var config = _trainer.Config;
        var watch = Stopwatch.StartNew();
        string status = "completed";
        string? message = null;
        double[]? relL2 = null;
        int lastReport = _trainer.Step;
        long lastTicks = 0;
        using (var metrics = new StreamWriter(Path.Combine(_dir, MetricsFile), append: true, Encoding.UTF8))
        using (var diagnostics = Diagnostics.TrainingDiagnostics.Create(_trainer, _dir))
        {
            try
            {
                while (_trainer.Step < config.TotalIterations)
                {
                    if (cancel.IsCancellationRequested) { status = "interrupted"; break; }
                    _trainer.TrainStep();
                    diagnostics?.AfterStep();
                    int step = _trainer.Step;
                    bool evaluate = config.IsEvaluationStep(step);
                    if (evaluate) relL2 = _trainer.RelativeL2();
                    if (step % config.Logging.LogEvery == 0 || evaluate)
                    {
                        metrics.WriteLine(MetricsRow(step, _elapsedBefore + watch.Elapsed.TotalSeconds, evaluate ? relL2 : null));
                        metrics.Flush();
                    }
                    if (step % config.Logging.CheckpointEvery == 0) SaveCheckpoint(watch);
                    if (progress is not null && (step - lastReport >= progressEvery || step == config.TotalIterations))
                    {
                        long ticks = watch.ElapsedTicks;
                        double rate = (step - lastReport) / Math.Max(1e-9, (ticks - lastTicks) / (double)Stopwatch.Frequency);
                        progress.Report(new ProgressInfo(step, config.TotalIterations, _trainer.TermNames, _trainer.Losses.ToArray(),
                            _trainer.WeightedTerms, _trainer.Weights.ToArray(), rate, relL2?.FirstOrDefault(), step > config.Adam.Iterations ? "lbfgs" : "adam"));
                        (lastReport, lastTicks) = (step, ticks);
                    }
                }
            }
            catch (TrainingDivergedException e)
            {
                status = "diverged";
                message = e.Message;
            }
        }
        if (status != "diverged")
        {
            SaveCheckpoint(watch);
            relL2 = _trainer.RelativeL2();
            WriteModelFiles(relL2);
        }
        var summary = RunSummary.WithFiniteNumbers(Summary(status, message, relL2, _elapsedBefore + watch.Elapsed.TotalSeconds));
        AtomicFile.WriteAllText(Path.Combine(_dir, SummaryFile), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    private void SaveCheckpoint(Stopwatch watch)
    {
        _checkpoints.Save(_trainer.CaptureCheckpoint());
        AtomicFile.WriteAllText(Path.Combine(_dir, "elapsed.txt"), (_elapsedBefore + watch.Elapsed.TotalSeconds).ToString("R", CultureInfo.InvariantCulture));
    }

    private static double ReadElapsed(string dir)
    {
        string path = Path.Combine(dir, "elapsed.txt");
        return File.Exists(path) && double.TryParse(File.ReadAllText(path), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0;
    }

    private void WriteModelFiles(double[]? relL2)
    {
        var c = _trainer.Config;
        var metadata = new Dictionary<string, string>
        {
            ["problem"] = c.Problem,
            ["parameters"] = JsonSerializer.Serialize(_trainer.Problem.Parameters),
            ["model"] = c.Model,
            ["weighting"] = c.Weighting.Scheme,
            ["iterations"] = _trainer.Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = c.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (relL2 is not null)
            for (int i = 0; i < relL2.Length; i++) metadata[$"rel_l2_{_trainer.EvaluatedFields[i]}"] = relL2[i].ToString("R", CultureInfo.InvariantCulture);
        foreach (var (name, value) in _trainer.LearnedCoefficients) metadata[$"learned_{name}"] = value.ToString("R", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllText(Path.Combine(_dir, NetworkFileName), _trainer.ToNetworkFile(metadata).ToJson());
        AtomicFile.WriteAllText(Path.Combine(_dir, FieldsFile), JsonSerializer.Serialize(_trainer.Problem.DerivedFields, NetworkFile.JsonOptions));
    }

    private JsonObject Summary(string status, string? message, double[]? relL2, double seconds)
    {
        var t = _trainer;
        var losses = new JsonObject();
        for (int i = 0; i < t.TermNames.Count; i++) losses[t.TermNames[i]] = Finite(t.Losses[i]);
        var weights = new JsonObject();
        for (int i = 0; i < t.WeightedTerms.Count; i++) weights[t.WeightedTerms[i]] = t.Weights[i];
        var summary = new JsonObject
        {
            ["status"] = status,
            ["problem"] = t.Config.Problem,
            ["model"] = t.Config.Model,
            ["architecture"] = t.Config.Network.Architecture,
            ["weighting"] = t.Config.Weighting.Scheme,
            ["layers"] = t.Config.Network.Layers,
            ["seed"] = t.Config.Seed,
            ["iterations"] = t.Step,
            ["parameters"] = t.ParameterCount,
            ["seconds"] = Math.Round(seconds, 3),
            ["ms_per_iter"] = t.Step > 0 ? Math.Round(1000 * seconds / t.Step, 4) : null,
            ["losses"] = losses,
            ["weights"] = weights,
            ["run_dir"] = Path.GetFullPath(_dir),
        };
        if (message is not null) summary["message"] = message;
        foreach (var feature in t.Statuses())
            foreach (var (key, value) in feature.SummaryEntries()) summary[key] = value;
        if (relL2 is not null)
        {
            var rel = new JsonObject();
            for (int i = 0; i < relL2.Length; i++) rel[t.EvaluatedFields[i]] = relL2[i];
            summary["rel_l2_fields"] = rel;
            foreach (var (name, value) in t.MagnitudeErrors) summary[$"rel_l2_{name}"] = value;
            // The headline is the problem's own metric: a magnitude where it defines one (the cavity's velocity
            // magnitude, as Wang et al. 2021 reports), else the first evaluated field.
            var (headlineOf, headline) = t.MagnitudeErrors.Count > 0 ? t.MagnitudeErrors.First() : new KeyValuePair<string, double>(t.EvaluatedFields[0], relL2[0]);
            summary["rel_l2"] = headline;
            summary["rel_l2_of"] = headlineOf;
            if (t.Evaluation is { } evaluation) summary["evaluation"] = new JsonObject { ["origin"] = evaluation.Origin, ["source"] = evaluation.Source };
        }
        if (t.LearnedCoefficients.Count > 0)
        {
            var learned = new JsonObject();
            foreach (var (name, value) in t.LearnedCoefficients)
            {
                double truth = t.Problem.Parameters[name];
                learned[name] = new JsonObject { ["value"] = value, ["truth"] = truth, ["relative_error"] = Math.Abs(value - truth) / Math.Abs(truth) };
            }
            summary["learned"] = learned;
        }
        return summary;
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private string MetricsHeader()
    {
        var t = _trainer;
        var cols = new List<string> { "step", "seconds", "lr" };
        cols.AddRange(t.TermNames.Select(n => $"loss_{n}"));
        cols.AddRange(t.WeightedTerms.Select(n => $"lambda_{n}"));
        cols.AddRange(t.EvaluatedFields.Select(f => $"rel_l2_{f}"));
        cols.AddRange(t.Config.Data.Learn.Keys.Select(k => $"learned_{k}"));
        foreach (var feature in t.Features) cols.AddRange(feature.MetricColumns);
        return string.Join(",", cols);
    }

    private string MetricsRow(int step, double seconds, double[]? relL2)
    {
        var t = _trainer;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(step).Append(',').Append(seconds.ToString("F3", inv)).Append(',').Append(t.LearningRate.ToString("G6", inv));
        foreach (var l in t.Losses) sb.Append(',').Append(l.ToString("G6", inv));
        foreach (var w in t.Weights) sb.Append(',').Append(w.ToString("G6", inv));
        for (int i = 0; i < t.EvaluatedFields.Length; i++) sb.Append(',').Append(relL2 is null ? "" : relL2[i].ToString("G6", inv));
        foreach (var key in t.Config.Data.Learn.Keys) sb.Append(',').Append(t.LearnedCoefficients[key].ToString("G8", inv));
        foreach (var feature in t.Features)
            foreach (var value in feature.MetricValues(step)) sb.Append(',').Append(value);
        return sb.ToString();
    }

    /// <summary>Drops metric rows written after the checkpoint a resumed run restarts from.</summary>
    private void TruncateMetrics(int step)
    {
        string path = Path.Combine(_dir, MetricsFile);
        var kept = new List<string> { MetricsHeader() };
        int columns = kept[0].Split(',').Length;  // a row cut short by a crash is dropped with the later ones
        if (File.Exists(path))
            kept.AddRange(File.ReadAllLines(path).Skip(1).Where(line =>
                int.TryParse(line.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s <= step && line.Split(',').Length == columns));
        AtomicFile.WriteAllText(path, string.Join("\n", kept) + "\n");
    }
}
