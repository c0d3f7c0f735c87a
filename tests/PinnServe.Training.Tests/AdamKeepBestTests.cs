using PinnServe.Physics;

namespace PinnServe.Training.Tests;

/// <summary>--adam-keep-best: the Adam phase's unweighted loss on held-out points, and the phase ending on its minimum.</summary>
public class AdamKeepBestTests
{
    // A learning rate far above the problem's, so Adam's iterates (and the held-out loss) jump around.
    private static TrainingRecipe Poisson(int keepBest, int iterations = 40) =>
        Recipes.For(ProblemCatalog.Create("poisson-1d"), "DN").WithNetwork(it => it with { Layers = "2x16" }).WithAdam(it => it with { Iterations = iterations, LearningRate = 0.05, KeepBest = keepBest }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 50, CheckpointEvery = 1000 }).WithDevice(it => it with { Precision = Precision.Float64 });

    private static (Dictionary<int, double[]> Iterates, Dictionary<int, double[]> Losses) PlainRun(TrainingRecipe config)
    {
        var iterates = new Dictionary<int, double[]>();
        var losses = new Dictionary<int, double[]>();
        using var plain = (Trainer<double>)TrainerFactory.Create(config.WithAdam(it => it with { KeepBest = 0 }));
        while (plain.Step < config.TotalIterations)
        {
            plain.TrainStep();
            iterates[plain.Step] = plain.Network.Parameters.Values.ToArray();
            losses[plain.Step] = plain.Losses.ToArray();
        }
        return (iterates, losses);
    }

    [Fact]
    public void EndsTheAdamPhaseOnTheParametersWhereTheHeldOutLossWasLowest()
    {
        var config = Poisson(keepBest: 1);
        var (iterates, _) = PlainRun(config);
        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        var heldOut = new Dictionary<int, double>();
        while (trainer.Step < config.TotalIterations)
        {
            trainer.TrainStep();
            var h = trainer.AdamHeldOut!;
            heldOut[h.Step] = h.Loss;
            // Until the last step the run is the plain run, step for step: measuring changes nothing.
            if (trainer.Step < config.Adam.Iterations) Assert.Equal(iterates[trainer.Step], trainer.Network.Parameters.Values);
        }
        Assert.Equal(Enumerable.Range(1, config.Adam.Iterations), heldOut.Keys.Order());
        var best = heldOut.MinBy(kv => kv.Value);
        Assert.Equal((best.Key, best.Value), (trainer.AdamHeldOut!.BestStep, trainer.AdamHeldOut.BestLoss));
        Assert.Equal(iterates[best.Key], trainer.Network.Parameters.Values);
        Assert.True(best.Key < config.Adam.Iterations, $"held-out loss fell to the end ({string.Join(", ", heldOut.Values.Select(v => v.ToString("E2")))})");
    }

    [Fact]
    public void TheHeldOutLossIsTheUnweightedSumOfTheTermsOnOtherPoints()
    {
        // With a fixed weight of 1000 on the boundary, the training objective and the held-out loss part ways:
        // the held-out loss must read the boundary term at weight 1.
        var plain = Poisson(keepBest: 1, iterations: 1).WithAdam(it => it with { LearningRate = 1e-12 });
        var config = plain with { Weighting = plain.Weighting with { Scheme = "fixed", Weights = new() { ["bc"] = 1000 } } };
        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        trainer.TrainStep();
        double heldOut = trainer.AdamHeldOut!.Loss;
        var losses = trainer.Losses;  // the batch's unweighted losses (residual, bc) at (almost) the same parameters
        Assert.Equal(1000, trainer.Weights[0]);
        Assert.InRange(heldOut / (losses[0] + losses[1]), 0.5, 2.0);
        Assert.True(heldOut < (losses[0] + 1000 * losses[1]) / 10, $"held-out {heldOut:E3} reads the weighted loss (residual {losses[0]:E3}, bc {losses[1]:E3})");
        Assert.NotEqual(losses[0] + losses[1], heldOut);  // other points
    }

    [Fact]
    public void TheHeldOutLossCarriesNoCausalWeights()
    {
        // One step at a negligible learning rate: with and without causal weights the parameters are (almost) the
        // same, so the held-out loss must be too; a causally weighted one would drop the late chunks' residual.
        var plain = Recipes.For(ProblemCatalog.Create("allen-cahn"), "DN").WithNetwork(it => it with { Layers = "2x16" }).WithAdam(it => it with { Iterations = 1, LearningRate = 1e-12, KeepBest = 1 }).WithSampling(it => it with { ResidualPoints = 256, ResidualBatch = 64, ConditionPoints = 64 }).WithDevice(it => it with { Precision = Precision.Float64 }).WithLogging(it => it with { CheckpointEvery = 1000, EvaluationGrid = 16 });
        double HeldOut(TrainingRecipe config)
        {
            using var trainer = (Trainer<double>)TrainerFactory.Create(config);
            trainer.TrainStep();
            return trainer.AdamHeldOut!.Loss;
        }
        double withoutCausal = HeldOut(plain), withCausal = HeldOut(plain.WithCausal(it => it with { Chunks = 8, Tolerance = 1e4 }));
        Assert.Equal(withoutCausal, withCausal, withoutCausal * 1e-6);
    }

    [Fact]
    public void MeasuresEveryKStepsAndAtTheLast()
    {
        var config = Poisson(keepBest: 7, iterations: 20);
        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        var measured = new List<int>();
        while (trainer.Step < config.TotalIterations)
        {
            trainer.TrainStep();
            if (trainer.AdamHeldOut is { } h && !measured.Contains(h.Step)) measured.Add(h.Step);
        }
        Assert.Equal([7, 14, 20], measured);
    }

    [Fact]
    public void AResumedRunEndsOnTheSameParametersAsAnUninterruptedOne()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-adam-keepbest-").FullName;
        string path = Path.Combine(dir, "checkpoint.json");
        var config = Poisson(keepBest: 1);
        double[] uninterrupted;
        HeldOutLoss selection;
        using (var whole = (Trainer<double>)TrainerFactory.Create(config))
        {
            while (whole.Step < config.TotalIterations) whole.TrainStep();
            (uninterrupted, selection) = (whole.Network.Parameters.Values.ToArray(), whole.AdamHeldOut!);
        }
        using (var first = (Trainer<double>)TrainerFactory.Create(config))
        {
            while (first.Step < config.Adam.Iterations / 2) first.TrainStep();
            first.SaveCheckpoint(path);
        }
        using var resumed = (Trainer<double>)TrainerFactory.Create(config);
        resumed.LoadCheckpoint(path);
        while (resumed.Step < config.TotalIterations) resumed.TrainStep();
        Assert.Equal(uninterrupted, resumed.Network.Parameters.Values);
        Assert.Equal(selection, resumed.AdamHeldOut);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RejectsANegativeInterval()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Poisson(keepBest: -1).Validate());
        Assert.Contains("adam.keep_best must be ≥ 0, got -1", e.Message);
    }
}
