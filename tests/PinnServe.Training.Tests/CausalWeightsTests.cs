using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Training.Weighting;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests;

/// <summary>Causal training (--causal-chunks, --causal-tol): the weights, the weighted loss and its gradient, resuming.</summary>
public class CausalWeightsTests
{
    private static readonly Box TimeAndSpace = new(new Axis("t", 0, 2), new Axis("x", -1, 1));

    [Fact]
    public void EachChunkIsWeightedByTheResidualOfTheChunksBeforeIt()
    {
        var causal = new CausalWeights(TimeAndSpace, chunks: 4, tolerance: 3);
        Assert.Equal([1.0, 1, 1, 1], causal.Weights);
        causal.SetFromChunkLosses([0.1, 0.2, 0.3, 0.4]);
        Assert.Equal([1, Math.Exp(-0.3), Math.Exp(-0.9), Math.Exp(-1.8)], causal.Weights, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(Math.Exp(-1.8), causal.MinWeight, 14);
        // Chunks of width 0.5 on [0, 2]; the end of the interval belongs to the last one.
        Assert.Equal([0, 0, 1, 3, 3], new[] { 0, 0.49, 0.5, 1.99, 2 }.Select(causal.ChunkOf));
    }

    [Theory]
    [InlineData(1, 1.0, "at least 2")]
    [InlineData(4, 0.0, "--causal-tol must be a positive number")]
    [InlineData(4, double.NaN, "--causal-tol must be a positive number")]
    public void BadSettingsAreNamed(int chunks, double tolerance, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new CausalWeights(TimeAndSpace, chunks, tolerance));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AProblemWithoutTimeOrOnADeviceIsRefusedWithTheReason()
    {
        var poisson = ProblemCatalog.Create("poisson-2d");
        var e = Assert.Throws<ArgumentException>(() => new Trainer<double>(poisson, TrainingConfig.Defaults(poisson, "M1") with { Layers = "1x4", CausalChunks = 4 }));
        Assert.Contains("time axis named 't'", e.Message);
        Assert.Contains("x, y", e.Message);

        var allenCahn = ProblemCatalog.Create("allen-cahn");
        var config = TrainingConfig.Defaults(allenCahn, "DN") with { CausalChunks = 1 };
        Assert.Contains("causal.chunks must be 0 (off) or 2..10,000", Assert.ThrowsAny<ArgumentException>(config.Validate).Message);
    }

    [Fact]
    public void TheWeightedLossIsTheMeanOfWeightTimesSquaredResidualAndItsGradientIsExact()
    {
        var problem = ProblemCatalog.Create("allen-cahn");
        using var trainer = new Trainer<double>(problem, TrainingConfig.Defaults(problem, "PINN") with { Layers = "2x8", Precision = "float64" });
        var (shift, scale) = problem.Domain.UnitCube();
        var compiler = new TermCompiler<double>(trainer.Network, problem.Domain, problem.Outputs, shift, scale, problem.Parameters) { SlicePoints = 24 };
        var residual = problem.Terms.Single(t => t.Role == TermRole.Residual);
        var causal = new CausalWeights(problem.Domain, chunks: 5, tolerance: 20);
        var weighted = compiler.Compile(causal.Wrap(residual), _ => SamplingPlan.Fixed(64));
        var plain = compiler.Compile(residual, _ => SamplingPlan.Fixed(64));
        weighted.Prime(new Rng(11));
        plain.Prime(new Rng(11));
        var points = weighted.PointsOf(0);
        Assert.Equal(points, plain.PointsOf(0));

        // With every weight 1 the wrapped term is the plain one.
        Assert.Equal(plain.Forward(), weighted.Forward(), 14);

        // The residual at the points, evaluated independently of both terms.
        double[] r = compiler.CompileExpressions(residual.Pieces[0].Errors, 64).Evaluate(points)[0];
        causal.Update([weighted]);
        var sums = new double[5];
        var counts = new int[5];
        for (int p = 0; p < 64; p++)
        {
            int chunk = (int)Math.Min(4, Math.Floor(points[2 * p] / 0.2));
            sums[chunk] += r[p] * r[p];
            counts[chunk]++;
        }
        var expected = new double[5];
        double before = 0;
        for (int i = 0; i < 5; i++)
        {
            expected[i] = Math.Exp(-20 * before);
            before += counts[i] == 0 ? 0 : sums[i] / counts[i];
        }
        Assert.Equal(expected, causal.Weights, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(r.Sum(v => v * v) / 64, causal.UnweightedLoss, 12);
        Assert.True(causal.MinWeight < 0.99, $"the test must weight some chunk below 1 (min {causal.MinWeight})");

        double loss = weighted.Forward();
        double direct = Enumerable.Range(0, 64).Sum(p => expected[causal.ChunkOf(points[2 * p])] * r[p] * r[p]) / 64;
        Assert.Equal(direct, loss, 12);
        Assert.True(loss < plain.Forward() * 0.999);

        // ∂L/∂θ with the weights held (they are constants of the step) against central differences.
        weighted.Forward();
        weighted.Backward();
        var gradient = weighted.Gradient.ToArray();
        var theta = trainer.Network.Parameters.Values;
        const double h = 1e-6;
        foreach (int j in new[] { 0, 5, theta.Length / 2, theta.Length - 1 })
        {
            double saved = theta[j];
            theta[j] = saved + h;
            double up = weighted.Forward();
            theta[j] = saved - h;
            double down = weighted.Forward();
            theta[j] = saved;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - gradient[j]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"θ[{j}]: backward {gradient[j]}, differences {fd}");
        }
    }

    private static TrainingConfig AllenCahn(int chunks) =>
        TrainingConfig.Defaults(ProblemCatalog.Create("allen-cahn"), "DN") with
        {
            Layers = "2x8", Iterations = 24, ResidualPoints = 256, ResidualBatch = 64, ConditionPoints = 16,
            TermPoints = new() { ["ic"] = 16, ["bc"] = 8 }, Precision = "float64", CausalChunks = chunks, CausalTolerance = 50,
            CheckpointEvery = 1000,
        };

    private static (double[] Theta, double[] Weights) Train(TrainingConfig config, string? resumeFrom = null)
    {
        using var trainer = (Trainer<double>)TrainerFactory.Create(config);
        if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
        while (trainer.Step < config.TotalIterations) trainer.TrainStep();
        return (trainer.Network.Parameters.Values.ToArray(), trainer.Causal?.Weights.ToArray() ?? []);
    }

    [Fact]
    public void ARunResumedFromACheckpointContinuesBitForBit()
    {
        var config = AllenCahn(chunks: 8);
        string dir = Directory.CreateTempSubdirectory("pinn-causal-").FullName;
        string path = Path.Combine(dir, "checkpoint.json");
        using (var first = (Trainer<double>)TrainerFactory.Create(config))
        {
            while (first.Step < 10) first.TrainStep();
            first.SaveCheckpoint(path);
        }
        var resumed = Train(config, resumeFrom: path);
        Directory.Delete(dir, true);
        var straight = Train(config);

        Assert.Equal(straight.Theta, resumed.Theta);
        Assert.Equal(straight.Weights, resumed.Weights);
        Assert.Contains(straight.Weights, w => w < 0.999);  // the weights were active
        // ...and they change the training: without them the run ends elsewhere.
        Assert.NotEqual(straight.Theta, Train(AllenCahn(chunks: 0)).Theta);
    }
}
