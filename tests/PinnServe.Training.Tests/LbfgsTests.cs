using PinnServe.Nn;
using PinnServe.Physics;

namespace PinnServe.Training.Tests;

/// <summary>The L-BFGS optimizer on functions with known minima, and the trainer's L-BFGS phase after Adam.</summary>
public class LbfgsTests
{
    private static double Rosenbrock(ReadOnlySpan<double> x, Span<double> g)
    {
        double a = 1 - x[0], b = x[1] - x[0] * x[0];
        g[0] = -2 * a - 400 * x[0] * b;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
    }

    [Fact]
    public void FindsTheRosenbrockMinimumAndNeverIncreasesTheLoss()
    {
        var lbfgs = new Lbfgs(2, history: 10);
        double[] x = [-1.2, 1];
        double previous = double.PositiveInfinity;
        int iterations = 0;
        for (; iterations < 200 && Rosenbrock(x, new double[2]) > 1e-20; iterations++)
        {
            var step = lbfgs.Step(x, Rosenbrock);
            Assert.True(step.Loss <= previous, $"iteration {iterations}: loss rose from {previous:R} to {step.Loss:R}");
            previous = step.Loss;
        }
        Assert.True(Math.Abs(x[0] - 1) < 1e-6 && Math.Abs(x[1] - 1) < 1e-6, $"ended at ({x[0]:R}, {x[1]:R}) after {iterations} iterations");
        Assert.True(iterations < 100, $"took {iterations} iterations (L-BFGS needs about 35–50 on Rosenbrock from (−1.2, 1))");
    }

    [Fact]
    public void SolvesAnIllConditionedQuadraticFarBetterThanGradientDescentWithTheSameEvaluations()
    {
        const int n = 60;
        // f(x) = ½ Σ dᵢ (xᵢ − cᵢ)², condition number 1e4.
        var d = Enumerable.Range(0, n).Select(i => Math.Pow(1e4, i / (double)(n - 1))).ToArray();
        var c = Enumerable.Range(0, n).Select(i => Math.Sin(i + 1.0)).ToArray();
        int evaluations = 0;
        double F(ReadOnlySpan<double> x, Span<double> g)
        {
            evaluations++;
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double r = x[i] - c[i];
                g[i] = d[i] * r;
                f += 0.5 * d[i] * r * r;
            }
            return f;
        }
        var lbfgs = new Lbfgs(n, history: 20);
        var x = new double[n];
        for (int k = 0; k < 300; k++) lbfgs.Step(x, F);
        double error = Math.Sqrt(x.Select((v, i) => (v - c[i]) * (v - c[i])).Sum());
        Assert.True(error < 2e-2, $"|x − x*| = {error:E2} after {evaluations} evaluations");

        // Gradient descent with the optimal fixed step 2/(d_min + d_max) and as many gradients.
        var y = new double[n];
        var gy = new double[n];
        int budget = evaluations;
        for (int k = 0; k < budget; k++)
        {
            F(y, gy);
            for (int i = 0; i < n; i++) y[i] -= 2 / (d[0] + d[n - 1]) * gy[i];
        }
        double gdError = Math.Sqrt(y.Select((v, i) => (v - c[i]) * (v - c[i])).Sum());
        // Gradient descent's error along the flattest direction shrinks by (1 − 2e-4) per step: it stays O(1).
        Assert.True(error < 2e-2 * gdError, $"L-BFGS {error:E2} vs gradient descent {gdError:E2}");
    }

    [Fact]
    public void RejectsAWrongLengthAndANonFiniteStart()
    {
        var lbfgs = new Lbfgs(3);
        var e = Assert.Throws<ArgumentException>(() => lbfgs.Step(new double[2], (_, _) => 0));
        Assert.Contains("3 parameters", e.Message);
        Assert.Throws<ArithmeticException>(() => lbfgs.Step(new double[3], (_, _) => double.NaN));
    }

    private static TrainingRecipe Poisson(int adam, int lbfgs) =>
        Recipes.For(ProblemCatalog.Create("poisson-1d"), "M1").WithNetwork(it => it with { Layers = "2x12" }).WithAdam(it => it with { Iterations = adam }).WithLbfgs(it => it with { Iterations = lbfgs }).WithSampling(it => it with { Batch = 32 }).WithLogging(it => it with { EvaluationGrid = 50, LogEvery = 1, EvaluateEvery = 10, CheckpointEvery = 1000 }).WithDevice(it => it with { Precision = Precision.Float64 });

    [Theory]
    [InlineData("uniform")]
    [InlineData("residual")]
    public void PhaseAfterAdamLowersTheWeightedLossMonotonicallyAndTheError(string sampling)
    {
        using var trainer = (Trainer<double>)TrainerFactory.Create(Poisson(200, 60).WithLbfgs(it => it with { Sampling = RecipeBinder.ParseName<PointSampling>(sampling) }));
        for (int i = 0; i < 200; i++) trainer.TrainStep();
        double adamError = trainer.RelativeL2()![0];
        double previous = double.PositiveInfinity, first = double.NaN;
        while (trainer.Step < trainer.Config.TotalIterations)
        {
            trainer.TrainStep();
            double loss = WeightedLoss(trainer);
            if (double.IsNaN(first)) first = loss;
            Assert.True(loss <= previous * (1 + 1e-12), $"step {trainer.Step}: weighted loss rose from {previous:R} to {loss:R}");
            previous = loss;
        }
        double lbfgsError = trainer.RelativeL2()![0];
        Assert.True(previous < 0.1 * first, $"L-BFGS took the loss from {first:E2} to {previous:E2} only");
        Assert.True(lbfgsError < 0.5 * adamError, $"relative L2 {adamError:E2} after Adam, {lbfgsError:E2} after L-BFGS");
        Assert.Equal(260, trainer.Step);
    }

    [Fact]
    public void WeightScaleActsAsIfTheWeightsWereThatMuchLarger()
    {
        // No Adam steps and fixed weights: L-BFGS from the initial network with λ = 3 must be exactly L-BFGS with
        // λ = 1 scaled by 3, and differ from L-BFGS with λ = 1 unscaled.
        string condition;
        using (var probe = (Trainer<double>)TrainerFactory.Create(Poisson(0, 25))) condition = probe.WeightedTerms.Single();
        double[] lastWeights = [];
        double[] Run(double weight, double scale)
        {
            var config = Poisson(0, 25).WithLbfgs(it => it with { WeightScale = scale });
            config = config with { Weighting = config.Weighting with { Scheme = "fixed", Weights = new() { [condition] = weight } } };
            using var trainer = (Trainer<double>)TrainerFactory.Create(config);
            while (trainer.Step < config.TotalIterations) trainer.TrainStep();
            lastWeights = trainer.Weights.ToArray();
            return trainer.Network.Parameters.Values.ToArray();
        }
        var weighted = Run(3, 1);
        Assert.Equal(weighted, Run(1, 3));
        Assert.Equal([3.0], lastWeights);  // logs and summaries report the weights L-BFGS applied, s·λ
        var plain = Run(1, 1);
        Assert.True(weighted.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-6, "the scale changed nothing");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RejectsAWeightScaleThatIsNotPositiveAndFinite(double scale)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => (Poisson(10, 10).WithLbfgs(it => it with { WeightScale = scale })).Validate());
        Assert.Contains("lbfgs.weight_scale must be a positive number", e.Message);
    }

    // Σ L_r + Σ λᵢLᵢ: what the L-BFGS phase minimizes (its λ stay at the values Adam ended with).
    private static double WeightedLoss(Trainer<double> t)
    {
        int residuals = t.TermNames.Count - t.WeightedTerms.Count;
        return t.Losses.Take(residuals).Sum() + t.Weights.Select((w, i) => w * t.Losses[residuals + i]).Sum();
    }

    [Fact]
    public void RunDirectoryRecordsBothPhasesAndResumesInsideTheLbfgsPhase()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-lbfgs-").FullName;
        var config = Poisson(30, 40);
        using (var run = TrainingRun.Create(config, dir))
        {
            using var cancel = new CancellationTokenSource();
            var stop = new StopAt(45, cancel);
            run.Run(stop, cancel.Token, progressEvery: 1);
            Assert.InRange(run.Trainer.Step, 45, 69);
            // Progress names the phase: Adam up to step 30, L-BFGS after.
            Assert.All(stop.Seen.Where(p => p.Step <= 30), p => Assert.Equal("adam", p.Phase));
            Assert.All(stop.Seen.Where(p => p.Step > 30), p => Assert.Equal("lbfgs", p.Phase));
            Assert.Contains(stop.Seen, p => p.Step > 30);
        }
        using (var resumed = TrainingRun.Resume(dir))
        {
            var summary = resumed.Run();
            Assert.Equal("completed", (string?)summary["status"]);
            Assert.Equal(70, (int?)summary["iterations"]);
        }
        var steps = File.ReadAllLines(Path.Combine(dir, TrainingRun.MetricsFile)).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToArray();
        Assert.Equal(Enumerable.Range(1, 70), steps);
    }

    private sealed class StopAt(int step, CancellationTokenSource cancel) : IProgress<ProgressInfo>
    {
        public List<ProgressInfo> Seen { get; } = [];

        public void Report(ProgressInfo value)
        {
            Seen.Add(value);
            if (value.Step >= step) cancel.Cancel();
        }
    }

    [Theory]
    [InlineData(-1, 0, "lbfgs.iterations")]
    [InlineData(5, -2, "lbfgs.points")]
    public void BadSettingsAreNamed(int iterations, int points, string flag)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => (Poisson(10, 0).WithLbfgs(it => it with { Iterations = iterations, Points = points })).Validate());
        Assert.Contains(flag, e.Message);
    }

    [Fact]
    public void AdamPhaseIsUnchangedByAPlannedLbfgsPhase()
    {
        // A run with --lbfgs continues from exactly where the same run without it ends (reproduce reuses those checkpoints).
        string plain = Directory.CreateTempSubdirectory("pinn-adam-").FullName, planned = Directory.CreateTempSubdirectory("pinn-adam-").FullName;
        var cavity = Recipes.For(ProblemCatalog.Create("cavity"), "M4").WithNetwork(it => it with { Layers = "2x10" }).WithAdam(it => it with { Iterations = 25 }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 9, LogEvery = 5, EvaluateEvery = 25, CheckpointEvery = 1000 });
        using (var run = TrainingRun.Create(cavity, plain)) run.Run();
        using (var run = TrainingRun.Create(cavity.WithLbfgs(it => it with { Iterations = 10 }), planned))
        {
            using var cancel = new CancellationTokenSource();
            run.Run(new StopAt(25, cancel), cancel.Token, progressEvery: 1);
            Assert.Equal(25, run.Trainer.Step);
        }
        Assert.Equal(File.ReadAllText(Path.Combine(plain, TrainingRun.CheckpointFile)), File.ReadAllText(Path.Combine(planned, TrainingRun.CheckpointFile)));
    }
}
