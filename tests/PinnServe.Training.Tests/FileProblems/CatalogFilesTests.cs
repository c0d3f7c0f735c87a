using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Reference;
using PinnServe.Reference.Files;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>
/// examples/problems holds a file for every catalog problem; each declares the same inputs, outputs, parameters,
/// terms (names, roles, point sets) and training defaults, and trains to the same losses (float64, 5 steps, 1e-9).
/// </summary>
public class CatalogFilesTests
{
    public static IEnumerable<object[]> Catalog() => ProblemCatalog.Names.Order().Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Catalog))]
    public void EveryCatalogProblemHasAnEquivalentFile(string name)
    {
        var builtIn = ProblemCatalog.Create(name);
        string path = Repository.Example(name + ".toml");
        Assert.True(File.Exists(path), $"examples/problems/{name}.toml is missing");
        var file = ProblemFiles.Load(path);
        Assert.Equal(builtIn.Domain.Axes, file.Domain.Axes);
        Assert.Equal(builtIn.Outputs, file.Outputs);
        Assert.Equal(builtIn.Parameters.OrderBy(p => p.Key), file.Parameters.OrderBy(p => p.Key));
        Assert.Equal(builtIn.EvaluatedFields, file.EvaluatedFields);
        Assert.Equal(Normalized(builtIn.Defaults), Normalized(file.Defaults));
        Assert.Equal(builtIn.Defaults.Sampling.TermPoints.OrderBy(p => p.Key), file.Defaults.Sampling.TermPoints.OrderBy(p => p.Key));
        Assert.Equal(builtIn.Terms.Select(t => (t.Name, t.Role, t.FixedWeight, t.Pieces.Count)), file.Terms.Select(t => (t.Name, t.Role, t.FixedWeight, t.Pieces.Count)));
        for (int t = 0; t < builtIn.Terms.Count; t++)
            for (int p = 0; p < builtIn.Terms[t].Pieces.Count; p++)
            {
                Piece a = builtIn.Terms[t].Pieces[p], b = file.Terms[t].Pieces[p];
                Assert.Equal(a.Region.Describe(builtIn.Domain), b.Region.Describe(file.Domain));
                Assert.Equal(a.Errors.Count, b.Errors.Count);
                Assert.Equal(a.Partner, b.Partner);
            }

        // Same training: a stand-in reference grid keeps the solvers out of the test (evaluation does not touch the losses).
        string? reference = null;
        if (builtIn.Exact(builtIn.Domain.Axes.Select(a => a.Center).ToArray()) is null)
        {
            reference = Path.Combine(Path.GetTempPath(), $"{name}-{Guid.NewGuid():N}.npz");
            var axes = builtIn.Domain.Axes.Select(a => new GridAxis(a.Name, [a.Min, a.Max])).ToList();
            int n = 1 << axes.Count;
            ReferenceFiles.Write(new ReferenceSolution(name, axes, builtIn.EvaluatedFields.Select(f => new KeyValuePair<string, double[]>(f, new double[n])).ToList()), reference);
        }
        try
        {
            var config = Recipes.For(builtIn).WithDevice(it => it with { Precision = Precision.Float64 }).WithData(it => it with { ReferenceFile = reference });
            using var a = new Trainer<double>(builtIn, config);
            using var b = new Trainer<double>(file, config);
            for (int step = 0; step < 5; step++)
            {
                a.TrainStep();
                b.TrainStep();
                for (int i = 0; i < a.Losses.Count; i++)
                    Assert.True(Math.Abs(a.Losses[i] - b.Losses[i]) <= 1e-9 * Math.Abs(a.Losses[i]),
                        $"{name} step {step + 1}, {a.TermNames[i]}: built-in {a.Losses[i]:R}, file {b.Losses[i]:R}");
            }
        }
        finally { if (reference is not null) File.Delete(reference); }
    }

    /// <summary>The recipe's JSON without its term-point map (compared on its own, order aside).</summary>
    private static string Normalized(TrainingRecipe r) => r.WithSampling(it => it with { TermPoints = new() }).ToJson();
}
