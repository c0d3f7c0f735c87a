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

    public sealed record Case(string Name, Func<TrainingConfig> Config);

    public static IReadOnlyList<Case> All { get; } = Build();

    private static List<Case> Build()
    {
        var cases = ProblemCatalog.Names.Order()
            .Select(name => new Case(name, () => Short(TrainingConfig.Defaults(ProblemCatalog.Create(name)))))
            .ToList();
        cases.AddRange(
        [
            new("klein-gordon-M4", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("klein-gordon"), "M4"))),
            new("helmholtz-M3", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("helmholtz"), "M3")) with { Activation = "sin" }),
            new("burgers-DN-bias", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("burgers"), "DN")) with
            {
                Weighting = TrainingConfig.Defaults(ProblemCatalog.Create("burgers"), "DN").Weighting with { BiasCorrection = true, Beta = 0.99, P = "inf", Interval = 3 },
            }),
            new("poisson-2d-ID-keep-best-lbfgs", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("poisson-2d"), "ID")) with
            {
                Iterations = 8, LbfgsIterations = 4, AdamKeepBest = 3, LbfgsKeepBest = 2, LbfgsSampling = "residual", LbfgsWeightScale = 0.5,
            }),
            new("klein-gordon-MA-lbfgs-restart", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("klein-gordon"), "MA")) with
            {
                Iterations = 6, LbfgsIterations = 6, LbfgsRestart = 2, LbfgsResample = 3, LbfgsPoints = 64,
            }),
            new("allen-cahn-DN-causal-periodic", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("allen-cahn"), "DN")) with
            {
                Layers = "3x32", ResidualPoints = 2000, ResidualBatch = 512, CausalChunks = 4, CausalTolerance = 10, PeriodicInputs = ["x"], Weighting = TrainingConfig.Defaults(ProblemCatalog.Create("allen-cahn"), "DN").Weighting with { Weights = new() { ["ic"] = 10 } },
            }),
            new("poisson-1d-constant-lr-unit", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("poisson-1d"))) with
            {
                LearningRate = 5e-3, DecayRate = 1, Normalization = "unit", Layers = "3x20",
            }),
            new("burgers-inverse-learn-nu", () => Short(TrainingConfig.Defaults(ProblemCatalog.Create("burgers-2d"))) with
            {
                Learn = new() { ["nu"] = 0.05 }, Observations = 50, Noise = 0.01,
            }),
        ]);
        foreach (var file in new[] { "heat-2d.toml", "cavity.toml", "klein-gordon.toml", "poisson-hole.yaml" })
            cases.Add(new("file:" + file, () => FromFile(file)));
        return cases;
    }

    private static TrainingConfig FromFile(string file)
    {
        string path = Repository.Example(file);
        var problem = ProblemFiles.Load(path);
        return Short(TrainingConfig.Defaults(problem)) with { ProblemFile = path, ProblemDirectory = Path.GetDirectoryName(path) };
    }

    /// <summary>The defaults cut to a few steps; everything else (network, sampling, weighting) as the problem trains.</summary>
    private static TrainingConfig Short(TrainingConfig c) => c with
    {
        Iterations = Steps, LbfgsIterations = 0, Seed = 7, EvaluationGrid = 11,
    };
}
