using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Files;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests;

/// <summary>Residual-adaptive point sets (RAD): the density, the weighted draw, and where the points go.</summary>
public class ResidualAdaptiveSamplingTests
{
    [Fact]
    public void DensityIsTheNormalizedErrorNormPlusC()
    {
        // Two error expressions: |ε| = (5, 0, 1) at three candidates, mean 2.
        double[][] errors = [[3, 0, 1], [4, 0, 0]];
        Assert.Equal([2.5 + 1, 0 + 1, 0.5 + 1], ResidualAdaptiveSampling.Density(errors, k: 1, c: 1));
        var squared = ResidualAdaptiveSampling.Density(errors, k: 2, c: 0); // mean |ε|² = 26/3
        Assert.Equal([25.0 / 26 * 3, 0, 1.0 / 26 * 3], squared, (a, b) => Math.Abs(a - b) < 1e-14);
        // A zero residual everywhere leaves the uniform part only.
        Assert.Equal([1.0, 1.0], ResidualAdaptiveSampling.Density([[0, 0]], 1, 1));
        Assert.Throws<ArithmeticException>(() => ResidualAdaptiveSampling.Density([[double.NaN, 1]], 1, 1));
    }

    [Fact]
    public void ChoiceIsDistinctAndProportionalToTheWeights()
    {
        var rng = new Rng(7);
        var chosen = ResidualAdaptiveSampling.Choose([1, 1, 1, 1, 1], 5, rng);
        Assert.Equal([0, 1, 2, 3, 4], chosen.Order());
        // One of two with weights 1 and 3: the second wins with probability 3/4 (σ of the count over 4,000 draws ≈ 27).
        int second = Enumerable.Range(0, 4000).Count(_ => ResidualAdaptiveSampling.Choose([1, 3], 1, rng)[0] == 1);
        Assert.InRange(second, 3000 - 150, 3000 + 150);
        Assert.Throws<ArgumentException>(() => ResidualAdaptiveSampling.Choose([1, 2], 3, rng));
    }

    [Fact]
    public void PointsGatherWhereTheResidualIsLarge()
    {
        // The residual is a narrow bump at x = 0.8 whatever the network: half of RAD's mass sits within ±0.1 of it,
        // against a fifth for uniform points.
        var problem = ProblemFiles.Parse("""
            name = "bump"
            outputs = ["u"]
            [inputs]
            x = [0, 1]
            [[terms]]
            name = "residual"
            kind = "residual"
            expr = "0*u + exp(-400*(x - 0.8)^2)"
            """, "bump.toml");
        var config = TrainingConfig.Defaults(problem, "M1") with { Layers = "1x4", Precision = "float64" };
        using var trainer = new Trainer<double>(problem, config);
        var (shift, scale) = problem.Domain.Standardization();
        var compiler = new TermCompiler<double>(trainer.Network, problem.Domain, problem.Outputs, shift, scale, problem.Parameters);
        var term = compiler.Compile(problem.Terms[0], _ => SamplingPlan.Fixed(400));
        term.Prime(new Rng(3));
        double Near(double[] x) => x.Count(v => Math.Abs(v - 0.8) < 0.1) / (double)x.Length;
        Assert.InRange(Near(term.PointsOf(0)), 0.12, 0.28);
        double uniformLoss = term.Forward();

        ResidualAdaptiveSampling.Redraw(term, compiler, problem.Domain, new Rng(3));
        var points = term.PointsOf(0);
        Assert.InRange(Near(points), 0.42, 0.75);
        Assert.All(points, x => Assert.InRange(x, 0, 1));
        Assert.Equal(points.Length, points.Distinct().Count());
        Assert.True(term.Forward() > 2 * uniformLoss, "the loss on the adaptive set weighs the bump more");
        // The same generator state draws the same set.
        var again = compiler.Compile(problem.Terms[0], _ => SamplingPlan.Fixed(400));
        again.Prime(new Rng(3));
        ResidualAdaptiveSampling.Redraw(again, compiler, problem.Domain, new Rng(3));
        Assert.Equal(points, again.PointsOf(0));
    }

    [Fact]
    public void OnlyFixedSetsCanBeReplaced()
    {
        var problem = ProblemCatalog.Create("poisson-1d");
        using var trainer = new Trainer<double>(problem, TrainingConfig.Defaults(problem, "M1") with { Layers = "1x4", Precision = "float64" });
        var (shift, scale) = problem.Domain.Standardization();
        var compiler = new TermCompiler<double>(trainer.Network, problem.Domain, problem.Outputs, shift, scale, problem.Parameters);
        var fresh = compiler.Compile(problem.Terms[0], _ => SamplingPlan.Fresh(8));
        Assert.Throws<InvalidOperationException>(() => fresh.SetPoints(0, new double[8]));
        var fixedSet = compiler.Compile(problem.Terms[0], _ => SamplingPlan.Fixed(8));
        Assert.Contains("expected 8 coordinates", Assert.Throws<ArgumentException>(() => fixedSet.SetPoints(0, new double[7])).Message);
    }

    [Fact]
    public void TheSettingIsChecked()
    {
        var config = TrainingConfig.Defaults(ProblemCatalog.Create("poisson-1d"), "M1") with { LbfgsSampling = "adaptive" };
        Assert.Contains("lbfgs.sampling must be uniform or residual", Assert.ThrowsAny<ArgumentException>(config.Validate).Message);
    }
}
