using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests;

/// <summary>Observation data terms, learned coefficients, periodic partners and fixed weights.</summary>
public class ObservationTests
{
    private static TrainingRecipe Tiny(string problem, string model = "PINN") =>
        Recipes.For(ProblemCatalog.Create(problem), model).WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = 10 }).WithSampling(it => it with { Batch = 16, FullBatch = true, ResidualPoints = 64, ResidualBatch = 0, ConditionPoints = 16, TermPoints = new() }).WithLogging(it => it with { EvaluationGrid = 9 }).WithDevice(it => it with { Precision = Precision.Float64 });

    [Fact]
    public void DataTermAlignsEachValueWithItsPoint()
    {
        using var trainer = new Trainer<double>(ProblemCatalog.Create("burgers-2d"), Tiny("burgers-2d").WithData(it => it with { Observations = 40 }));
        var data = trainer.Observations!;
        Assert.Equal(40, data.Count);
        Assert.Equal(["u", "v"], data.Fields);
        // Noise-free observations are the exact solution at their own points.
        for (int i = 0; i < data.Count; i++)
        {
            var exact = trainer.Problem.Exact(data.Points.AsSpan(i * 3, 3).ToArray())!;
            Assert.Equal(exact[0], data.Values[0][i], 12);
            Assert.Equal(exact[1], data.Values[1][i], 12);
        }
        // Observed = the network's own prediction minus a known offset per point: the loss is exactly mean(offset²) per field.
        var predicted = trainer.EvaluateFields(data.Fields, data.Points);
        var offsets = Enumerable.Range(0, data.Count).Select(i => 0.01 * (i + 1)).ToArray();
        var shifted = new Observations(data.Fields, data.Points, predicted.Select(column => column.Select((v, i) => v - offsets[i]).ToArray()).ToArray());
        var (shift, scale) = trainer.Problem.Domain.Standardization();
        var compiler = new TermCompiler<double>(trainer.Network, trainer.Problem.Domain, trainer.Problem.Outputs, shift, scale, trainer.Problem.Parameters);
        var term = compiler.Compile(shifted.ToLossTerm(trainer.Problem), _ => SamplingPlan.Fixed(data.Count));
        term.Prime(new Rng(1));
        Assert.Equal(data.Points, term.PointsOf(0));
        double expected = 2 * offsets.Average(o => o * o);
        Assert.Equal(expected, term.Forward(), 10);
    }

    [Fact]
    public void ObservationsReadFromACsvTableOrAReferenceGrid()
    {
        var problem = ProblemCatalog.Create("burgers");
        string dir = Directory.CreateTempSubdirectory("pinn-obs-").FullName;
        string csv = Path.Combine(dir, "obs.csv");
        File.WriteAllText(csv, "t,x,u\n0.5,-0.25,0.75\n0.1,0.5,-0.5\n");
        var table = Observations.FromFile(problem, csv);
        Assert.Equal(["u"], table.Fields);
        Assert.Equal([0.5, -0.25, 0.1, 0.5], table.Points);
        Assert.Equal([0.75, -0.5], table.Values[0]);
        // Columns by name, in any order, matched like [reference] and data terms (ColumnMatch: case ignored when unambiguous).
        File.WriteAllText(csv, "X,T,u\n0.5,-0.25,0.75\n");
        var matched = Observations.FromFile(problem, csv);
        Assert.Equal([-0.25, 0.5], matched.Points);
        File.WriteAllText(csv, "x,u\n0.5,0.75\n");
        Assert.Contains("no column 't'", Assert.Throws<InvalidDataException>(() => Observations.FromFile(problem, csv)).Message);
        File.WriteAllText(csv, "t,x,w\n0.5,-0.25,0.75\n");
        Assert.Contains("'w' names no field", Assert.Throws<InvalidDataException>(() => Observations.FromFile(problem, csv)).Message);
        // Any table the reference reader takes: a COMSOL-style text export with %-comments and upper-case inputs.
        string dat = Path.Combine(dir, "obs.dat");
        File.WriteAllText(dat, "% Model: m.mph\n% X   T   u\n0.5  0.1  0.25\n-0.5  0.2  0.5\n");
        var comsol = Observations.FromFile(problem, dat);
        Assert.Equal([0.1, 0.5, 0.2, -0.5], comsol.Points);
        Assert.Equal([0.25, 0.5], comsol.Values[0]);
        // A table without a header: named by position (--observation-columns), or one column mapped by name.
        File.WriteAllText(dat, "0.5  0.1  0.25\n-0.5  0.2  0.5\n");
        Assert.Contains("no column 't'", Assert.Throws<InvalidDataException>(() => Observations.FromFile(problem, dat)).Message);
        Assert.Equal(comsol.Points, Observations.FromFile(problem, dat, "x,t,u").Points);
        Assert.Equal(comsol.Values[0], Observations.FromFile(problem, dat, "x=c1,t=c2,u=c3").Values[0]);
        Assert.Contains("names 2 columns; 'obs.dat' has 3", Assert.Throws<InvalidDataException>(() => Observations.FromFile(problem, dat, "x,t")).Message);
        // The one CSV reader: comments and quoted header cells as everywhere else; NaN named with its line.
        File.WriteAllText(csv, "# measured\n\"t\",\"x\",\"u\"\n0.5,-0.25,0.75\n");
        Assert.Equal([0.75], Observations.FromFile(problem, csv).Values[0]);
        File.WriteAllText(csv, "t,x,u\n0.5,-0.25,NaN\n");
        Assert.Contains("'obs.csv' row 1: 'u' is NaN", Assert.Throws<InvalidDataException>(() => Observations.FromFile(problem, csv)).Message);

        var grid = new PinnServe.Reference.ReferenceSolution("burgers",
            [new PinnServe.Reference.GridAxis("t", [0, 1]), new PinnServe.Reference.GridAxis("x", [-1, 0, 1])], [new("u", [1.0, 2, 3, 4, 5, 6])]);
        string npz = Path.Combine(dir, "grid.npz");
        PinnServe.Reference.Files.ReferenceFiles.Write(grid, npz);
        var fromGrid = Observations.FromFile(problem, npz);
        Assert.Equal(6, fromGrid.Count);
        Assert.Equal([1, -1], fromGrid.Points.AsSpan(6, 2).ToArray()); // point 3 of the row-major grid: t slowest
        Assert.Equal(4.0, fromGrid.Values[0][3]);
        var subset = Observations.For(problem, Recipes.For(problem).WithData(it => it with { ObservationFile = npz, Observations = 4 }), null)!;
        Assert.Equal(4, subset.Count);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void NoiseIsSeededAndScaledByTheFieldStd()
    {
        var clean = new Observations(["u"], new double[2000], [Enumerable.Range(0, 2000).Select(i => Math.Sin(i * 0.01)).ToArray()]);
        var a = clean.WithNoise(0.01, 3);
        var b = clean.WithNoise(0.01, 3);
        Assert.Equal(a.Values[0], b.Values[0]);
        double mean = clean.Values[0].Average();
        double std = Math.Sqrt(clean.Values[0].Average(v => (v - mean) * (v - mean)));
        var errors = a.Values[0].Zip(clean.Values[0], (n, c) => n - c).ToArray();
        double noiseStd = Math.Sqrt(errors.Average(e => e * e));
        Assert.InRange(noiseStd / (0.01 * std), 0.9, 1.1);
        Assert.Throws<ArgumentException>(() => clean.WithNoise(-0.1, 1));
    }

    [Fact]
    public void ObservedValuesNeedMatchingDataPoints()
    {
        using var trainer = new Trainer<double>(ProblemCatalog.Create("poisson-1d"), Tiny("poisson-1d"));
        var compiler = new TermCompiler<double>(trainer.Network, trainer.Problem.Domain, trainer.Problem.Outputs, [0.5], [0.3], trainer.Problem.Parameters);
        var u = new Field("u");
        var wrongCount = LossTerm.Data("data", new DataPoints([0.1, 0.2, 0.3], 1), u.Value - new Observed("u_obs", [1.0, 2.0]));
        var e = Assert.Throws<ArgumentException>(() => compiler.Compile(wrongCount, _ => SamplingPlan.Fixed(3)));
        Assert.Contains("2 values", e.Message);
        var onInterior = new LossTerm("data", TermRole.Data, [new Piece(new Interior(), [u.Value - new Observed("u_obs", [1.0])])]);
        Assert.Throws<ArgumentException>(() => compiler.Compile(onInterior, _ => SamplingPlan.Fixed(1)));
    }

    [Fact]
    public void PeriodicPartnersAreTheSamePointsOnTheOppositeFace()
    {
        using var trainer = new Trainer<double>(ProblemCatalog.Create("allen-cahn"), Tiny("allen-cahn"));
        var periodic = trainer.WeightedTermTapes.Single(t => t.Name == "bc");
        double loss = periodic.Forward();
        var left = periodic.PointsOf(0);
        var right = (double[])left.Clone();
        for (int i = 0; i < left.Length / 2; i++)
        {
            Assert.Equal(-1, left[2 * i + 1]);
            right[2 * i + 1] = 1;
        }
        var atLeft = trainer.EvaluateFields(["u", "u_x"], left);
        var atRight = trainer.EvaluateFields(["u", "u_x"], right);
        double expected = Enumerable.Range(0, 2).Sum(f => atLeft[f].Zip(atRight[f], (a, b) => (a - b) * (a - b)).Average());
        Assert.True(expected > 0);
        Assert.Equal(expected, loss, 10);
    }

    [Fact]
    public void AdaptiveWeightsLeaveAFixedWeightTermAtOne()
    {
        var config = Tiny("allen-cahn", "DN").WithAdam(it => it with { Iterations = 25 }) with { Weighting = Tiny("allen-cahn", "DN").Weighting with { Interval = 5, Beta = 0.5 } };
        using var trainer = new Trainer<double>(ProblemCatalog.Create("allen-cahn"), config);
        for (int i = 0; i < config.Adam.Iterations; i++) trainer.TrainStep();
        int ic = trainer.WeightedTerms.ToList().IndexOf("ic"), bc = trainer.WeightedTerms.ToList().IndexOf("bc");
        Assert.NotEqual(1.0, trainer.Weights[ic]);
        Assert.Equal(1.0, trainer.Weights[bc]);
        Assert.True(trainer.LossWeights.IsFixed(bc));
    }

    [Fact]
    public void ShortInverseRunMovesViscosityTowardTheTruth()
    {
        // 2D Burgers with a smooth front (ν = 0.1) learned from a start of 0.2 with 1% noise, dense observations.
        var problem = ProblemCatalog.Create("burgers-2d", new Dictionary<string, double> { ["nu"] = 0.1 });
        var config = Recipes.For(problem, "PINN").WithNetwork(it => it with { Layers = "2x16" }).WithAdam(it => it with { Iterations = 300, LearningRate = 1e-2, DecayRate = 1 }).WithSampling(it => it with { Batch = 32 }).WithLogging(it => it with { EvaluationGrid = 9 }).WithData(it => it with { Observations = 300, Noise = 0.01, Learn = new() { ["nu"] = 0.2 } }).WithDevice(it => it with { Precision = Precision.Float64 });
        using var trainer = new Trainer<double>(problem, config);
        for (int i = 0; i < config.Adam.Iterations; i++) trainer.TrainStep();
        double learned = trainer.LearnedCoefficients["nu"];
        Assert.InRange(learned, 0.0, 0.17);
    }
}
