using PinnServe.Physics;

namespace PinnServe.Training.Tests;

/// <summary>
/// `--face-reduction mean` takes one mean over all of a condition's points instead of summing its per-face means:
/// with equal batches on the cavity's four walls, the wall terms (and their gradients) are a quarter of the sum's.
/// </summary>
public class FaceReductionTests
{
    private static Trainer<double> Cavity(string reduction) => (Trainer<double>)TrainerFactory.Create(
        Recipes.For(ProblemCatalog.Create("cavity"), "M4").WithNetwork(it => it with { Layers = "2x10" }).WithSampling(it => it with { Batch = 40, FaceReduction = RecipeBinder.ParseName<FaceReduction>(reduction) }).WithLogging(it => it with { EvaluationGrid = 9 }).WithDevice(it => it with { Precision = Precision.Float64 }) with { Seed = 3 }, 1);

    [Fact]
    public void MeanOverFourWallsIsAQuarterOfTheSumOfTheWallMeans()
    {
        using var sum = Cavity("sum");
        using var mean = Cavity("mean");
        sum.TrainStep();
        mean.TrainStep();
        var sumTerms = sum.ResidualTerms.Concat(sum.WeightedTermTapes).ToArray();
        var meanTerms = mean.ResidualTerms.Concat(mean.WeightedTermTapes).ToArray();
        for (int i = 0; i < sum.Losses.Count; i++)
        {
            var term = sumTerms.Single(t => t.Name == sum.TermNames[i]);
            double factor = term.Term.Pieces.Count;
            Assert.True(Math.Abs(sum.Losses[i] / factor - mean.Losses[i]) <= 1e-12 * Math.Abs(sum.Losses[i]),
                $"'{sum.TermNames[i]}' ({factor} faces): sum {sum.Losses[i]:R}, mean {mean.Losses[i]:R}");
            var other = meanTerms.Single(t => t.Name == term.Name);
            double scale = term.Gradient.Max(Math.Abs);
            for (int j = 0; j < term.Gradient.Length; j++)
                Assert.True(Math.Abs(term.Gradient[j] / factor - other.Gradient[j]) <= 1e-12 * scale, $"∇θ[{j}] of '{term.Name}'");
        }
        Assert.Contains(sumTerms, t => t.Term.Pieces.Count == 4);
    }

    [Fact]
    public void ProblemFileTrainingDefaultsCarryTheReductionAndTheReferenceGradient()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-faces-").FullName;
        string file = Path.Combine(dir, "walls.toml");
        File.WriteAllText(file, """
            name = "walls"
            outputs = ["u"]
            [inputs]
            x = [0, 1]
            y = [0, 1]
            [[terms]]
            name = "residual"
            expr = "u_xx + u_yy"
            [[terms]]
            name = "walls"
            kind = "dirichlet"
            on = "boundary"
            field = "u"
            value = "x"
            [training]
            model = "M2"
            face_reduction = "mean"
            reference_gradient = "sum"
            lbfgs_iterations = 500
            lbfgs_points = 2048
            lbfgs_sampling = "residual"
            lbfgs_weight_scale = 0.5
            lbfgs_keep_best = 100
            lbfgs_restart = 250
            adam_keep_best = 500
            causal_chunks = 16
            causal_tol = 5
            periodic_inputs = ["x"]
            """);
        var config = Recipes.For(PinnServe.Physics.Files.ProblemFiles.Load(file));
        Assert.Equal(FaceReduction.Mean, config.Sampling.FaceReduction);
        Assert.Equal(ReferenceGradient.Sum, config.Weighting.ReferenceGradient);
        Assert.Equal("annealing", config.Weighting.Scheme);
        Assert.Equal((500, 2048, 0, PointSampling.Residual, 0.5, 100), (config.Lbfgs.Iterations, config.Lbfgs.Points, config.Lbfgs.Resample, config.Lbfgs.Sampling, config.Lbfgs.WeightScale, config.Lbfgs.KeepBest));
        Assert.Equal(250, config.Lbfgs.Restart);
        Assert.Equal(500, config.Adam.KeepBest);
        Assert.Equal((16, 5.0), (config.Causal.Chunks, config.Causal.Tolerance));
        Assert.Equal(["x"], config.Network.PeriodicInputs);
        var plain = Recipes.For(ProblemCatalog.Create("helmholtz"));
        Assert.Equal((FaceReduction.Sum, ReferenceGradient.MaxOrder), (plain.Sampling.FaceReduction, plain.Weighting.ReferenceGradient));
    }

    [Theory]
    [InlineData("face_reduction = \"median\"", "walls.toml:4:19:", "'training.face_reduction' must be sum or mean, got 'median'")]
    [InlineData("reference_gradient = \"x\"", "walls.toml:4:23:", "'training.reference_gradient' must be max-order or sum")]
    [InlineData("lbfgs_iterations = -4", "walls.toml:4:20:", "'training.lbfgs_iterations' must be ≥ 0")]
    [InlineData("lbfgs_sampling = \"rad\"", "walls.toml:4:19:", "'training.lbfgs_sampling' must be uniform or residual, got 'rad'")]
    [InlineData("lbfgs_weight_scale = 0", "walls.toml:4:22:", "'training.lbfgs_weight_scale' must be a positive number, got 0")]
    [InlineData("causal_tol = -1", "walls.toml:4:14:", "'training.causal_tol' must be a positive number, got -1")]
    [InlineData("lbfgs_keep_best = -5", "walls.toml:4:19:", "'training.lbfgs_keep_best' must be ≥ 0")]
    [InlineData("lbfgs_restart = -1", "walls.toml:4:17:", "'training.lbfgs_restart' must be ≥ 0")]
    [InlineData("adam_keep_best = -3", "walls.toml:4:18:", "'training.adam_keep_best' must be ≥ 0")]
    public void BadTrainingChoicesInAProblemFileArePlaced(string line, string position, string message)
    {
        string dir = Directory.CreateTempSubdirectory("pinn-faces-").FullName;
        string file = Path.Combine(dir, "walls.toml");
        File.WriteAllText(file, "name = \"walls\"\noutputs = [\"u\"]\n[training]\n" + line + "\n[inputs]\nx = [0, 1]\n[[terms]]\nname = \"residual\"\nexpr = \"u_xx\"\n");
        var e = Assert.Throws<PinnServe.Physics.Files.ProblemFileException>(() => PinnServe.Physics.Files.ProblemFiles.Load(file));
        Assert.Contains(position, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void UnknownReductionIsNamed()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Cavity("median"));
        Assert.Contains("median", e.Message);
    }
}
