using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Training.Tests.FileProblems;

namespace PinnServe.Training.Tests.Fingerprints;

/// <summary>
/// The short runs whose numbers must not change under a refactor: every catalog problem with its own defaults, a few
/// variants that switch on each phase and weighting scheme, and a few example problem files. Each runs
/// <see cref="Steps"/> steps (Adam, then any L-BFGS) at a fixed seed.
/// </summary>
internal static class FingerprintCases
{
    public const int Steps = 12;

    public sealed record Case(string Name, Func<TrainingRecipe> Config);

    public static IReadOnlyList<Case> All { get; } = Build();

    private static List<Case> Build()
    {
        var cases = ProblemCatalog.Names.Order()
            .Select(name => new Case(name, () => Short(Recipes.For(ProblemCatalog.Create(name)))))
            .ToList();
        cases.AddRange(
        [
            new("klein-gordon-M4", () => Short(Recipes.For(ProblemCatalog.Create("klein-gordon"), "M4"))),
            new("helmholtz-M3", () => Short(Recipes.For(ProblemCatalog.Create("helmholtz"), "M3")).WithNetwork(it => it with { Activation = Activation.Sin })),
            new("burgers-DN-bias", () => Short(Recipes.For(ProblemCatalog.Create("burgers"), "DN")) with
            {
                Weighting = Recipes.For(ProblemCatalog.Create("burgers"), "DN").Weighting with { BiasCorrection = true, Beta = 0.99, P = "inf", Interval = 3 },
            }),
            new("poisson-2d-ID-keep-best-lbfgs", () => Short(Recipes.For(ProblemCatalog.Create("poisson-2d"), "ID")).WithAdam(it => it with { Iterations = 8, KeepBest = 3 }).WithLbfgs(it => it with { Iterations = 4, KeepBest = 2, Sampling = PointSampling.Residual, WeightScale = 0.5 })),
            new("klein-gordon-MA-lbfgs-restart", () => Short(Recipes.For(ProblemCatalog.Create("klein-gordon"), "MA")).WithAdam(it => it with { Iterations = 6 }).WithLbfgs(it => it with { Iterations = 6, Restart = 2, Resample = 3, Points = 64 })),
            new("allen-cahn-DN-causal-periodic", () => Short(Recipes.For(ProblemCatalog.Create("allen-cahn"), "DN")).WithNetwork(it => it with { Layers = "3x32", PeriodicInputs = ["x"] }).WithSampling(it => it with { ResidualPoints = 2000, ResidualBatch = 512 }).WithCausal(it => it with { Chunks = 4, Tolerance = 10 }) with { Weighting = Recipes.For(ProblemCatalog.Create("allen-cahn"), "DN").Weighting with { Weights = new() { ["ic"] = 10 } } }),
            new("poisson-1d-constant-lr-unit", () => Short(Recipes.For(ProblemCatalog.Create("poisson-1d"))).WithAdam(it => it with { LearningRate = 5e-3, DecayRate = 1 }).WithSampling(it => it with { Normalization = Normalization.Unit }).WithNetwork(it => it with { Layers = "3x20" })),
            new("burgers-inverse-learn-nu", () => Short(Recipes.For(ProblemCatalog.Create("burgers-2d"))).WithData(it => it with { Learn = new() { ["nu"] = 0.05 }, Observations = 50, Noise = 0.01 })),
        ]);
        foreach (var file in new[] { "heat-2d.toml", "cavity.toml", "klein-gordon.toml", "poisson-hole.yaml" })
            cases.Add(new("file:" + file, () => FromFile(file)));
        return cases;
    }

    private static TrainingRecipe FromFile(string file)
    {
        string path = Repository.Example(file);
        var problem = ProblemFiles.Load(path);
        return Short(Recipes.For(problem)) with { ProblemFile = path, ProblemDirectory = Path.GetDirectoryName(path) };
    }

    /// <summary>The defaults cut to a few steps; everything else (network, sampling, weighting) as the problem trains.</summary>
    private static TrainingRecipe Short(TrainingRecipe c) => c.WithAdam(it => it with { Iterations = Steps }).WithLbfgs(it => it with { Iterations = 0 }).WithLogging(it => it with { EvaluationGrid = 11 }) with { Seed = 7 };
}
