using PinnServe.Physics;

namespace PinnServe.Training.Tests.Runs;

/// <summary>Small runs of Poisson 1D and what the run-directory tests compare.</summary>
internal static class RunFixtures
{
    public static TrainingRecipe Poisson(int iterations, int lbfgs = 0) =>
        Recipes.For(ProblemCatalog.Create("poisson-1d"), "M1").WithNetwork(it => it with { Layers = "2x10" }).WithAdam(it => it with { Iterations = iterations }).WithLbfgs(it => it with { Iterations = lbfgs, Points = 24 }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 30, LogEvery = 3, EvaluateEvery = 7, CheckpointEvery = 5 }) with { Seed = 3 };

    public static string TempDir() => Path.Combine(Directory.CreateTempSubdirectory("pinn-rundir-").FullName, "run");

    /// <summary>Trains in a new run directory, stopping (as an interrupted run does) once step <paramref name="stopAt"/> is done.</summary>
    public static string Train(TrainingRecipe config, int? stopAt = null, string? dir = null)
    {
        dir ??= TempDir();
        using var run = TrainingRun.Create(config, dir);
        RunTo(run, stopAt);
        return dir;
    }

    public static void RunTo(TrainingRun run, int? stopAt)
    {
        using var cancel = new CancellationTokenSource();
        run.Run(stopAt is { } s ? new StopAt(s, cancel) : null, cancel.Token, progressEvery: 1);
        if (stopAt is { } step) Assert.Equal(step, run.Trainer.Step);
    }

    /// <summary>The final checkpoint, the network and the metrics without the wall-clock column: what must be equal bit for bit.</summary>
    public static (string Checkpoint, string Network, string[] Metrics) Outcome(string dir) =>
        (File.ReadAllText(Path.Combine(dir, TrainingRun.CheckpointFile)),
         File.ReadAllText(Path.Combine(dir, TrainingRun.NetworkFileName)),
         File.ReadAllLines(Path.Combine(dir, TrainingRun.MetricsFile)).Select(l => string.Join(",", l.Split(',').Where((_, i) => i != 1))).ToArray());

    public static void AssertSameOutcome(string expectedDir, string actualDir)
    {
        var (c1, n1, m1) = Outcome(expectedDir);
        var (c2, n2, m2) = Outcome(actualDir);
        Assert.Equal(m1, m2);
        Assert.Equal(n1, n2);
        Assert.Equal(c1, c2);
    }

    private sealed class StopAt(int step, CancellationTokenSource cancel) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) { if (value.Step >= step) cancel.Cancel(); }
    }
}
