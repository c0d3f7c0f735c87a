using PinnServe.Physics;

namespace PinnServe.Training.Tests;

/// <summary>--lbfgs-restart: the L-BFGS phase restarts its curvature history every K iterations (a resumed run continues it).</summary>
public class LbfgsRestartTests
{
    private static TrainingRecipe Poisson(int restart) =>
        Recipes.For(ProblemCatalog.Create("poisson-1d"), "M1").WithNetwork(it => it with { Layers = "3x20" }).WithAdam(it => it with { Iterations = 50 }).WithLbfgs(it => it with { Iterations = 20, Points = 32, Restart = restart }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 50, CheckpointEvery = 1000 }).WithDevice(it => it with { Precision = Precision.Float64 });

    // Trains to the end of the phase, from the start or from a checkpoint.
    private static double[] Train(TrainingRecipe config, string? resumeFrom = null)
    {
        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
        while (trainer.Step < config.TotalIterations) trainer.TrainStep();
        return trainer.Network.Parameters.Values.ToArray();
    }

    [Fact]
    public void AResumedRunContinuesTheHistoryWhileRestartingAtKDoesNot()
    {
        const int k = 12;
        string dir = Directory.CreateTempSubdirectory("pinn-restart-").FullName;
        string path = Path.Combine(dir, "checkpoint.json");
        var plain = Poisson(restart: 0);
        using (var first = (Trainer<double>)TrainerFactory.Create(plain))
        {
            while (first.Step < plain.Adam.Iterations + k) first.TrainStep();
            first.SaveCheckpoint(path);
        }
        double[] resumed = Train(plain, resumeFrom: path);
        Directory.Delete(dir, true);

        // The checkpoint carries the curvature history: resuming at k is the uninterrupted run...
        Assert.Equal(Train(plain), resumed);
        // ...and restarting the history at k (what a resume did before the history was checkpointed) is another run.
        Assert.NotEqual(resumed, Train(Poisson(restart: k)));
    }

    [Fact]
    public void APhaseThatCannotDecreaseFromSteepestDescentStopsEvaluatingAndKeepsItsIterate()
    {
        // float32 on few points: L-BFGS reaches the precision floor well within the budget.
        var config = Poisson(restart: 0).WithDevice(it => it with { Precision = Precision.Float32 }).WithLbfgs(it => it with { Iterations = 3000, Points = 4 });
        using var trainer = (Trainer<float>)TrainerFactory.Create(config);
        float[]? atStall = null;
        long evaluationsAtStall = 0;
        while (trainer.Step < config.TotalIterations)
        {
            trainer.TrainStep();
            if (trainer.LbfgsStalledAt is { } s && atStall is null)
            {
                Assert.Equal(trainer.Step, s);
                atStall = trainer.Network.Parameters.Values.ToArray();
                evaluationsAtStall = trainer.LbfgsEvaluations;
            }
        }
        Assert.NotNull(atStall);
        Assert.Equal(evaluationsAtStall, trainer.LbfgsEvaluations);  // nothing evaluated after the stall
        Assert.True(trainer.LbfgsStalledAt < config.TotalIterations, $"stalled only at {trainer.LbfgsStalledAt}");
        Assert.Equal(atStall, trainer.Network.Parameters.Values);
        Assert.Equal(0, trainer.LearningRate);  // the step length it reports once stalled
    }

    [Fact]
    public void RejectsANegativeInterval()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Poisson(restart: -3).Validate());
        Assert.Contains("lbfgs.restart must be ≥ 0, got -3", e.Message);
    }
}
