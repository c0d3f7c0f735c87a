using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Reference;
using PinnServe.Reference.Files;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>
/// The Klein–Gordon and cavity problem files train exactly like the catalog's problems: same seed, float64, the
/// same loss of every term (and the same adaptive weights) over the first 100 steps to 1e-9 relative.
/// </summary>
public class ReproductionTests
{
    private static void AssertSameTraining(Problem builtIn, Problem fromFile, string model, string? referenceFile = null)
    {
        var config = Recipes.For(builtIn, model).WithDevice(it => it with { Precision = Precision.Float64 }).WithAdam(it => it with { Iterations = 100 }).WithData(it => it with { ReferenceFile = referenceFile });
        var fileConfig = Recipes.For(fromFile, model).WithDevice(it => it with { Precision = Precision.Float64 }).WithAdam(it => it with { Iterations = 100 }).WithData(it => it with { ReferenceFile = referenceFile });
        Assert.Equal(config with { Problem = "", Parameters = new() }, fileConfig with { Problem = "", Parameters = new() }, new ConfigComparer());
        using var a = new Trainer<double>(builtIn, config);
        using var b = new Trainer<double>(fromFile, fileConfig);
        Assert.Equal(a.TermNames, b.TermNames);
        Assert.Equal(a.ParameterCount, b.ParameterCount);
        for (int step = 0; step < 100; step++)
        {
            a.TrainStep();
            b.TrainStep();
            for (int i = 0; i < a.Losses.Count; i++)
                Assert.True(Math.Abs(a.Losses[i] - b.Losses[i]) <= 1e-9 * Math.Abs(a.Losses[i]),
                    $"step {step + 1}, {a.TermNames[i]}: built-in {a.Losses[i]:R}, file {b.Losses[i]:R}");
            for (int i = 0; i < a.Weights.Count; i++)
                Assert.True(Math.Abs(a.Weights[i] - b.Weights[i]) <= 1e-9 * Math.Abs(a.Weights[i]), $"step {step + 1}, λ_{a.WeightedTerms[i]}");
        }
    }

    [Theory]
    [InlineData("M1")]
    [InlineData("M4")]
    public void KleinGordonFileReproducesTheCatalogProblem(string model) =>
        AssertSameTraining(ProblemCatalog.Create("klein-gordon"), ProblemFiles.Load(Repository.Example("klein-gordon.toml")), model);

    [Fact]
    public void KleinGordonFileTakesParameterOverrides()
    {
        var overrides = new Dictionary<string, double> { ["alpha"] = -2, ["k"] = 2 };
        AssertSameTraining(ProblemCatalog.Create("klein-gordon", overrides), ProblemFiles.Load(Repository.Example("klein-gordon.toml"), overrides), "M2");
    }

    [Fact]
    public void CavityFileReproducesTheCatalogProblem()
    {
        // A coarse reference keeps the test fast: evaluation does not affect the losses.
        string reference = Path.Combine(Path.GetTempPath(), $"cavity-ref-{Guid.NewGuid():N}.npz");
        ReferenceFiles.Write(ReferenceSolutions.Compute("cavity", new Dictionary<string, double> { ["n"] = 16 }), reference);
        try
        {
            var file = ProblemFiles.Load(Repository.Example("cavity.toml"));
            Assert.Equal(["u", "v"], file.EvaluatedFields);
            Assert.Equal(2, file.DerivedFields.Count);
            AssertSameTraining(ProblemCatalog.Create("cavity"), file, "M4", reference);
        }
        finally { File.Delete(reference); }
    }

    private sealed class ConfigComparer : IEqualityComparer<TrainingRecipe>
    {
        public bool Equals(TrainingRecipe? x, TrainingRecipe? y) => x!.ToJson() == y!.ToJson();
        public int GetHashCode(TrainingRecipe obj) => 0;
    }
}
