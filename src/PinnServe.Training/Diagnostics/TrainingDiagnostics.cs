using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;

namespace PinnServe.Training.Diagnostics;

/// <summary>
/// Records the diagnostics a run's config asks for into its run directory: gradient_histograms.json,
/// hessian.csv (largest eigenvalue per loss, per evaluated step) and diagnostics.json (their cost).
/// Created before the training loop (it evaluates the Hessian at the starting step), then told after every step.
/// </summary>
public sealed class TrainingDiagnostics : IDisposable
{
    public const string HessianFile = "hessian.csv", TimingFile = "diagnostics.json";

    private readonly ITrainer _trainer;
    private readonly DiagnosticsConfig _config;
    private readonly string _dir;
    private readonly GradientHistogramFile _histograms = new();
    private readonly HessianSpectrum? _hessian;
    private readonly Stopwatch _histogramTime = new(), _hessianTime = new();
    private int _hessianEvaluations, _hessianProducts, _lastHessianStep = -1;

    private TrainingDiagnostics(ITrainer trainer, DiagnosticsConfig config, string dir)
    {
        (_trainer, _config, _dir) = (trainer, config, dir);
        int step = trainer.Step;
        string histogramPath = Path.Combine(dir, GradientHistogramFile.FileName);
        // A resumed run re-records everything after its checkpoint; keep only what came before it.
        if (File.Exists(histogramPath))
            _histograms.Snapshots.AddRange(GradientHistogramFile.Load(histogramPath).Snapshots.Where(s => s.Step < step));
        if (config.HessianEvery > 0)
        {
            _hessian = new HessianSpectrum(trainer, config.HessianIterations);
            string header = "step," + string.Join(",", _hessian.Targets) + ",products,seconds";
            string path = Path.Combine(dir, HessianFile);
            var kept = File.Exists(path) ? File.ReadAllLines(path).Skip(1).Where(l => StepOf(l) < step) : [];
            AtomicFile.WriteAllText(path, string.Join("\n", kept.Prepend(header)) + "\n");
        }
    }

    /// <summary>Diagnostics for a run whose config enables any, else null. Evaluates the Hessian at the current step.</summary>
    public static TrainingDiagnostics? Create(ITrainer trainer, string dir)
    {
        if (trainer.Config.Logging.Diagnostics is not { Any: true } config) return null;
        var diagnostics = new TrainingDiagnostics(trainer, config, dir);
        if (diagnostics._hessian is not null && trainer.Step % config.HessianEvery == 0) diagnostics.RecordHessian();
        return diagnostics;
    }

    /// <summary>After a training step: histograms of the gradients it computed (labelled with the step they started from) and the Hessian when due.</summary>
    public void AfterStep()
    {
        int step = _trainer.Step;
        if (_config.RecordsHistogramAt(step - 1)) RecordHistograms(step - 1);
        if (_hessian is not null && (step % _config.HessianEvery == 0 || step == _trainer.Config.TotalIterations)) RecordHessian();
    }

    private void RecordHistograms(int step)
    {
        _histogramTime.Start();
        var snapshot = _trainer switch
        {
            Trainer<float> f => Snapshot(f, step),
            Trainer<double> d => Snapshot(d, step),
            _ => throw new NotSupportedException($"Gradient histograms need a Trainer<float> or Trainer<double>, got {_trainer.GetType().Name}."),
        };
        _histograms.Snapshots.Add(snapshot);
        AtomicFile.WriteAllText(Path.Combine(_dir, GradientHistogramFile.FileName), JsonSerializer.Serialize(_histograms, GradientHistogramFile.Json));
        _histogramTime.Stop();
    }

    private HistogramSnapshot Snapshot<T>(Trainer<T> trainer, int step) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var gradients = trainer.ResidualTerms.Concat(trainer.WeightedTermTapes).Select(t => t.Gradient).ToList();
        var lambdas = trainer.ResidualTerms.Select(_ => 1.0).Concat(trainer.Weights).ToList();
        return GradientHistograms.Record(step, trainer.Network.Parameters.Infos, trainer.TermNames, gradients, lambdas, _config.HistogramBins);
    }

    private void RecordHessian()
    {
        int step = _trainer.Step;
        if (step == _lastHessianStep || _trainer.Losses.Any(l => !double.IsFinite(l))) return;
        _hessianTime.Start();
        var watch = Stopwatch.StartNew();
        _hessian!.SamplePoints(step);
        var (eigenvalues, products) = _trainer switch
        {
            Trainer<float> f => _hessian.Estimate<float>(f.Network.Parameters.Values, f.Weights),
            Trainer<double> d => _hessian.Estimate<double>(d.Network.Parameters.Values, d.Weights),
            _ => throw new NotSupportedException($"Hessian estimates need a Trainer<float> or Trainer<double>, got {_trainer.GetType().Name}."),
        };
        var inv = CultureInfo.InvariantCulture;
        var row = new StringBuilder().Append(step);
        foreach (double e in eigenvalues) row.Append(',').Append(e.ToString("G8", inv));
        row.Append(',').Append(products).Append(',').Append(watch.Elapsed.TotalSeconds.ToString("F3", inv)).Append('\n');
        File.AppendAllText(Path.Combine(_dir, HessianFile), row.ToString());
        _hessianTime.Stop();
        _hessianEvaluations++;
        _hessianProducts += products;
        _lastHessianStep = step;
    }

    private static int StepOf(string csvLine) =>
        int.TryParse(csvLine.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : int.MaxValue;

    /// <summary>Writes diagnostics.json: seconds spent this session, to compare against the run's time.</summary>
    public void Dispose()
    {
        var timing = new JsonObject
        {
            ["hessian_every"] = _config.HessianEvery,
            ["hessian_evaluations"] = _hessianEvaluations,
            ["hessian_products"] = _hessianProducts,
            ["hessian_seconds"] = Math.Round(_hessianTime.Elapsed.TotalSeconds, 3),
            ["histogram_snapshots"] = _histograms.Snapshots.Count,
            ["histogram_seconds"] = Math.Round(_histogramTime.Elapsed.TotalSeconds, 3),
        };
        AtomicFile.WriteAllText(Path.Combine(_dir, TimingFile), timing.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        _hessian?.Dispose();
    }
}
