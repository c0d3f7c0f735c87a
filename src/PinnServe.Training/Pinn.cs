using System.Diagnostics;
using PinnServe.Contracts;
using PinnServe.Physics;

namespace PinnServe.Training;

/// <summary>
/// What a training returns: how it ended, the last losses and weights λ, the relative L² per evaluated field, the
/// learned coefficients, the time taken, and the trained network, which export (<c>OnnxExporter.Export(result.Network,
/// result.Fields, path)</c>) and evaluation take directly.
/// </summary>
public sealed record TrainingResult(
    TrainingStatus Status,
    int Steps,
    IReadOnlyDictionary<string, double> Losses,
    IReadOnlyDictionary<string, double> Weights,
    IReadOnlyDictionary<string, double> RelativeL2,
    IReadOnlyDictionary<string, double> Learned,
    TimeSpan Elapsed,
    NetworkFile Network,
    IReadOnlyList<FieldDefinition> Fields,
    string? Message = null);

public enum TrainingStatus { Completed, Interrupted, Diverged }

/// <summary>
/// The front door for C#: <c>Pinn.Train(problem)</c> trains a problem object with its own defaults (or a config), reports
/// progress through <see cref="IProgress{T}"/>, stops cleanly on cancellation, and returns a typed
/// <see cref="TrainingResult"/>. With a run directory it also writes the files `pinn` writes (config, metrics,
/// checkpoints, network, summary).
/// </summary>
public static class Pinn
{
    /// <param name="config">The training setup; null: the problem's defaults (<see cref="TrainingRecipe.Defaults"/>).</param>
    /// <param name="progress">Called every <paramref name="progressEvery"/> steps and at the last.</param>
    /// <param name="runDirectory">Where to write a run directory; null: nothing is written.</param>
    public static TrainingResult Train(Problem problem, TrainingRecipe? config = null, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancel = default, string? runDirectory = null, int threads = 1, int progressEvery = 100)
    {
        config ??= Recipes.For(problem);
        var watch = Stopwatch.StartNew();
        if (runDirectory is not null)
        {
            using var run = TrainingRun.Create(problem, config, runDirectory, threads);
            var summary = run.Run(progress, cancel, progressEvery);
            var status = summary["status"]!.GetValue<string>() switch
            {
                "diverged" => TrainingStatus.Diverged,
                "interrupted" => TrainingStatus.Interrupted,
                _ => TrainingStatus.Completed,
            };
            return Result(run.Trainer, status, watch.Elapsed, summary["message"]?.GetValue<string>());
        }
        using var trainer = TrainerFactory.Create(problem, config, threads);
        var (ended, message) = Loop(trainer, progress, cancel, progressEvery);
        return Result(trainer, ended, watch.Elapsed, message);
    }

    private static (TrainingStatus, string?) Loop(ITrainer trainer, IProgress<ProgressInfo>? progress, CancellationToken cancel, int progressEvery)
    {
        var config = trainer.Config;
        var watch = Stopwatch.StartNew();
        int lastReport = trainer.Step;
        double lastSeconds = 0;
        try
        {
            while (trainer.Step < config.TotalIterations)
            {
                if (cancel.IsCancellationRequested) return (TrainingStatus.Interrupted, null);
                trainer.TrainStep();
                int step = trainer.Step;
                if (progress is not null && (step - lastReport >= progressEvery || step == config.TotalIterations))
                {
                    double seconds = watch.Elapsed.TotalSeconds;
                    progress.Report(new ProgressInfo(step, config.TotalIterations, trainer.TermNames, trainer.Losses.ToArray(), trainer.WeightedTerms,
                        trainer.Weights.ToArray(), (step - lastReport) / Math.Max(1e-9, seconds - lastSeconds), null, step > config.Adam.Iterations ? "lbfgs" : "adam"));
                    (lastReport, lastSeconds) = (step, seconds);
                }
            }
            return (TrainingStatus.Completed, null);
        }
        catch (TrainingDivergedException e) { return (TrainingStatus.Diverged, e.Message); }
    }

    private static TrainingResult Result(ITrainer trainer, TrainingStatus status, TimeSpan elapsed, string? message)
    {
        var relative = new Dictionary<string, double>();
        if (status != TrainingStatus.Diverged && trainer.RelativeL2() is { } errors)
        {
            for (int i = 0; i < errors.Length; i++) relative[trainer.EvaluatedFields[i]] = errors[i];
            foreach (var (name, value) in trainer.MagnitudeErrors) relative[name] = value;
        }
        var problem = trainer.Problem;
        var fields = problem.Outputs.Select(o => FieldDefinition.Of(o, 1, o)).Concat(problem.DerivedFields).ToList();
        return new TrainingResult(status, trainer.Step,
            trainer.TermNames.Select((n, i) => (n, trainer.Losses[i])).ToDictionary(p => p.n, p => p.Item2),
            trainer.WeightedTerms.Select((n, i) => (n, trainer.Weights[i])).ToDictionary(p => p.n, p => p.Item2),
            relative, new Dictionary<string, double>(trainer.LearnedCoefficients), elapsed, trainer.ToNetworkFile(), fields, message);
    }
}
