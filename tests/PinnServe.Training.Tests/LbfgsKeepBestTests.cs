using PinnServe.Physics;

namespace PinnServe.Training.Tests;

/// <summary>--lbfgs-keep-best: the L-BFGS phase's loss on held-out points, and the run ending on its minimum.</summary>
public class LbfgsKeepBestTests
{
    private static TrainingRecipe Poisson(int keepBest, int lbfgs = 30) =>
        // Few fixed points and many parameters, so the held-out loss parts from the training loss.
        Recipes.For(ProblemCatalog.Create("poisson-1d"), "M1") with
        {
            Network = new() { Layers = "3x20" },
            Adam = new() { Iterations = 50 },
            Lbfgs = new() { Iterations = lbfgs, Points = 6, KeepBest = keepBest },
            Sampling = new() { Batch = 16 },
            Logging = new() { EvaluationGrid = 50, CheckpointEvery = 1000 },
            Device = new() { Precision = Precision.Float64 },
        };

    [Fact]
    public void EndsOnTheParametersWhereTheHeldOutLossWasLowest()
    {
        var config = Poisson(keepBest: 1, lbfgs: 20);
        // The same run without keep-best follows the same iterates; keep each one to compare with.
        var iterates = new Dictionary<int, double[]>();
        var losses = new Dictionary<int, double[]>();
        using (var plain = (Trainer<double>)TrainerFactory.Create(config.WithLbfgs(it => it with { KeepBest = 0 })))
            while (plain.Step < config.TotalIterations)
            {
                plain.TrainStep();
                iterates[plain.Step] = plain.Network.Parameters.Values.ToArray();
                losses[plain.Step] = plain.Losses.ToArray();
            }

        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        var heldOut = new Dictionary<int, double>();
        while (trainer.Step < config.TotalIterations)
        {
            trainer.TrainStep();
            if (trainer.LbfgsHeldOut is { } h) heldOut[h.Step] = h.Loss;
        }
        Assert.Equal(Enumerable.Range(config.Adam.Iterations + 1, config.Lbfgs.Iterations), heldOut.Keys.Order());
        var best = heldOut.MinBy(kv => kv.Value);
        var selection = trainer.LbfgsHeldOut!;
        Assert.Equal((best.Key, best.Value), (selection.BestStep, selection.BestLoss));
        Assert.Equal(iterates[best.Key], trainer.Network.Parameters.Values);
        Assert.Equal(losses[best.Key], trainer.Losses);  // the losses it reports are those of the parameters it ends with
        // The test means something only if the held-out loss was not lowest at the last iterate.
        Assert.True(best.Key < config.TotalIterations, $"held-out loss fell to the end ({string.Join(", ", heldOut.Values.Select(v => v.ToString("E2")))})");
    }

    [Fact]
    public void MeasuresEveryKIterationsAndAtTheEnd()
    {
        var config = Poisson(keepBest: 7, lbfgs: 20);
        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        var measured = new List<int>();
        while (trainer.Step < config.TotalIterations)
        {
            trainer.TrainStep();
            if (trainer.LbfgsHeldOut is { } h && !measured.Contains(h.Step)) measured.Add(h.Step);
        }
        Assert.Equal([57, 64, 70], measured);
    }

    [Fact]
    public void ACheckpointCarriesTheBestParametersIntoTheResumedRun()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-keepbest-").FullName;
        string path = Path.Combine(dir, "checkpoint.json");
        var config = Poisson(keepBest: 1);
        HeldOutLoss before;
        using (var first = (Trainer<double>)TrainerFactory.Create(config))
        {
            while (first.Step < config.Adam.Iterations + 20) first.TrainStep();
            before = first.LbfgsHeldOut!;
            first.SaveCheckpoint(path);
        }
        using var resumed = (Trainer<double>)TrainerFactory.Create(config);
        resumed.LoadCheckpoint(path);
        resumed.SaveCheckpoint(path);  // saved again before the phase restarts: the best must survive that too
        resumed.LoadCheckpoint(path);
        resumed.TrainStep();
        var after = resumed.LbfgsHeldOut!;
        var expected = after.Loss < before.BestLoss ? (after.Step, after.Loss) : (before.BestStep, before.BestLoss);
        Assert.Equal(expected, (after.BestStep, after.BestLoss));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RejectsANegativeInterval()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Poisson(keepBest: -1).Validate());
        Assert.Contains("lbfgs.keep_best must be ≥ 0, got -1", e.Message);
    }
}
