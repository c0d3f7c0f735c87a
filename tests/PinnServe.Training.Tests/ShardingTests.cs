using PinnServe.Physics;

namespace PinnServe.Training.Tests;

/// <summary>
/// A term's points are cut into fixed-size slices (shards) that run on any thread: results must not depend on
/// the thread count at all, and must equal the unsliced term up to the rounding of a different summation order.
/// </summary>
public class ShardingTests
{
    // A full-batch problem, a mini-batch (pool) problem with a periodic partner, fresh samples with third
    // derivatives (the cavity), and an inverse problem whose observations are split over slices.
    public static TheoryData<string, string, string> Cases => new()
    {
        { "poisson-2d", "DN", "full" },
        { "allen-cahn", "DN", "pool" },
        { "cavity", "M4", "fresh" },
        { "burgers-2d", "PINN", "data" },
    };

    private static TrainingRecipe Config(string problem, string model, string sampling, string precision, int slice)
    {
        var c = Recipes.For(ProblemCatalog.Create(problem), model).WithNetwork(it => it with { Layers = "2x12" }).WithSampling(it => it with { Batch = 70, SlicePoints = slice, TermPoints = new() }).WithLogging(it => it with { EvaluationGrid = 9 }).WithDevice(it => it with { Precision = RecipeBinder.ParseName<Precision>(precision) });
        c = c with { Weighting = c.Weighting with { Interval = 2 } };
        return sampling switch
        {
            "full" => c.WithSampling(it => it with { FullBatch = true, ResidualPoints = 150, ResidualBatch = 0, ConditionPoints = 44 }),
            "pool" => c.WithSampling(it => it with { FullBatch = true, ResidualPoints = 300, ResidualBatch = 110, ConditionPoints = 30 }),
            "data" => c.WithSampling(it => it with { FullBatch = true, ResidualPoints = 90, ResidualBatch = 0, ConditionPoints = 24 }).WithData(it => it with { Observations = 57 }),
            _ => c.WithSampling(it => it with { FullBatch = false }),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossesAndGradientsAreBitIdenticalForOneTwoAndThreeThreads(string problem, string model, string sampling)
    {
        var config = Config(problem, model, sampling, "float32", slice: 16);
        var trainers = new[] { 1, 2, 3 }.Select(t => (Trainer<float>)TrainerFactory.Create(config, t)).ToArray();
        try
        {
            Assert.True(trainers[0].ResidualTerms[0].Shards.Count > 3, "the residual term must be split into several shards");
            Assert.Equal(3, trainers[2].Threads);
            for (int step = 0; step < 6; step++)
            {
                foreach (var t in trainers) t.TrainStep();
                for (int k = 1; k < trainers.Length; k++)
                {
                    Assert.Equal(trainers[0].Losses, trainers[k].Losses);
                    var terms0 = trainers[0].ResidualTerms.Concat(trainers[0].WeightedTermTapes).ToArray();
                    var termsK = trainers[k].ResidualTerms.Concat(trainers[k].WeightedTermTapes).ToArray();
                    for (int i = 0; i < terms0.Length; i++)
                        Assert.True(terms0[i].Gradient.AsSpan().SequenceEqual(termsK[i].Gradient), $"∇θ of '{terms0[i].Name}' differs at step {step} with {trainers[k].Threads} threads");
                    Assert.Equal(trainers[0].Weights, trainers[k].Weights);
                    Assert.True(trainers[0].Network.Parameters.Values.AsSpan().SequenceEqual(trainers[k].Network.Parameters.Values));
                }
            }
        }
        finally { foreach (var t in trainers) t.Dispose(); }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SlicedTermsEqualTheWholeTerm(string problem, string model, string sampling)
    {
        // float64: the only difference is the order of the sums over points.
        using var whole = (Trainer<double>)TrainerFactory.Create(Config(problem, model, sampling, "float64", slice: 100_000), 1);
        using var sliced = (Trainer<double>)TrainerFactory.Create(Config(problem, model, sampling, "float64", slice: 7), 2);
        Assert.All(whole.ResidualTerms.Concat(whole.WeightedTermTapes), t => Assert.Equal(t.Term.Pieces.Count, t.Shards.Count));
        for (int step = 0; step < 4; step++)
        {
            whole.TrainStep();
            sliced.TrainStep();
            for (int i = 0; i < whole.Losses.Count; i++)
                Assert.True(Math.Abs(whole.Losses[i] - sliced.Losses[i]) <= 1e-12 * Math.Max(1, Math.Abs(whole.Losses[i])),
                    $"loss '{whole.TermNames[i]}' at step {step}: whole {whole.Losses[i]:R}, sliced {sliced.Losses[i]:R}");
            var a = whole.ResidualTerms.Concat(whole.WeightedTermTapes).ToArray();
            var b = sliced.ResidualTerms.Concat(sliced.WeightedTermTapes).ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                double scale = a[i].Gradient.Max(Math.Abs);
                for (int j = 0; j < a[i].Gradient.Length; j++)
                    Assert.True(Math.Abs(a[i].Gradient[j] - b[i].Gradient[j]) <= 1e-10 * Math.Max(scale, 1e-30),
                        $"∇θ[{j}] of '{a[i].Name}' at step {step}: whole {a[i].Gradient[j]:R}, sliced {b[i].Gradient[j]:R}");
            }
        }
    }

    [Fact]
    public void UnknownDeviceNamesTheKnownOnes()
    {
        var config = Config("poisson-2d", "PINN", "full", "float32", 16).WithDevice(it => it with { Name = "tpu" });
        var e = Assert.ThrowsAny<ArgumentException>(() => TrainerFactory.Create(config, 1));
        Assert.Contains("tpu", e.Message);
        Assert.Contains("cpu", e.Message);
    }
}
