using PinnServe.Nn;
using PinnServe.Physics;

namespace PinnServe.Training.Tests.Settings;

/// <summary>Every training setting is checked for range and finiteness, and the message names its path in the recipe.</summary>
public sealed class SettingValidationTests
{
    private static TrainingRecipe Helmholtz(string model = "M1") => Recipes.For(ProblemCatalog.Create("helmholtz"), model);

    public static TheoryData<string, string> BadSettings() => new()
    {
        { "weight ic = -1", "weighting.weights.bc must be a finite number ≥ 0, got -1" },
        { "weight ic = NaN", "weighting.weights.bc must be a finite number ≥ 0, got NaN" },
        { "decay steps -1", "adam.decay_steps must be ≥ 1, got -1" },
        { "residual batch -1", "sampling.residual_batch must be 0..1,000,000 points, got -1" },
        { "aggregation under fixed", "weighting.aggregation must be layerwise, flat or layer-ratio, got 'nope'" },
        { "p under annealing", "weighting.p must be 1, 2, inf or ∞, got '3'" },
        { "lbfgs keep-best without lbfgs", "lbfgs.keep_best needs an L-BFGS phase" },
        { "batch int.MaxValue", "sampling.batch must be 1..1,000,000 points, got 2147483647 (the tapes would not fit in memory)" },
        { "causal chunks int.MaxValue", "causal.chunks must be 0 (off) or 2..10,000, got 2147483647" },
        { "warm-up -1", "adam.warmup_steps must be ≥ 0, got -1" },
        { "beta 1", "weighting.beta must be in [0, 1), got 1" },
        { "layers 5x", "network.layers Malformed layers '5x'" },
        { "layers overflow", "network.layers Layers '99999999999x5' out of range" },
    };

    private static TrainingRecipe Bad(string name)
    {
        var c = Helmholtz();
        return name switch
        {
            "weight ic = -1" => c with { Weighting = c.Weighting with { Weights = new() { ["bc"] = -1 } } },
            "weight ic = NaN" => c with { Weighting = c.Weighting with { Weights = new() { ["bc"] = double.NaN } } },
            "decay steps -1" => c.WithAdam(it => it with { DecaySteps = -1 }),
            "residual batch -1" => c.WithSampling(it => it with { ResidualBatch = -1 }),
            "aggregation under fixed" => c with { Weighting = c.Weighting with { Scheme = "fixed", Aggregation = "nope" } },
            "p under annealing" => Helmholtz("M2") with { Weighting = Helmholtz("M2").Weighting with { P = "3" } },
            "lbfgs keep-best without lbfgs" => c.WithLbfgs(it => it with { KeepBest = 5, Iterations = 0 }),
            "batch int.MaxValue" => c.WithSampling(it => it with { Batch = int.MaxValue }),
            "causal chunks int.MaxValue" => c.WithCausal(it => it with { Chunks = int.MaxValue }),
            "warm-up -1" => c.WithAdam(it => it with { WarmupSteps = -1 }),
            "beta 1" => c with { Weighting = c.Weighting with { Beta = 1 } },
            "layers 5x" => c.WithNetwork(it => it with { Layers = "5x" }),
            "layers overflow" => c.WithNetwork(it => it with { Layers = "99999999999x5" }),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_is_refused_by_its_path(string name, string expected)
    {
        var e = Assert.Throws<InvalidSettingException>(() => Bad(name).Validate());
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(e.Setting, e.Message);
    }

    [Fact]
    public void An_evaluation_grid_that_cannot_fit_in_memory_is_refused_for_the_problem()
    {
        var config = Helmholtz().WithLogging(it => it with { EvaluationGrid = int.MaxValue });
        config.Validate(); // fine on its own: the size depends on the problem's dimension
        var e = Assert.Throws<InvalidSettingException>(() => TrainerFactory.Create(config));
        Assert.Equal("logging.eval_grid", e.Setting);
        Assert.Contains("over the limit of 10,000,000", e.Message);
    }

    [Fact]
    public void Every_preset_of_every_problem_is_valid()
    {
        foreach (var problem in ProblemCatalog.All())
            foreach (var model in ModelPresets.Names)
            {
                var config = Recipes.For(problem, model);
                config.Validate();
                config.ValidateFor(problem);
            }
    }
}

/// <summary>The learning-rate warm-up: linear from lr/W to lr over W steps, then the schedule unchanged.</summary>
public sealed class WarmupTests
{
    [Fact]
    public void The_warm_up_rises_linearly_then_hands_over_to_the_schedule()
    {
        var decay = new ExponentialDecay(1e-3, 0.9, 1000);
        var warm = new LinearWarmup(decay, 4);
        Assert.Equal([decay.At(0) / 4, decay.At(1) * 2 / 4, decay.At(2) * 3 / 4, decay.At(3), decay.At(4), decay.At(500)],
            new[] { 0, 1, 2, 3, 4, 500 }.Select(warm.At));
    }

    [Fact]
    public void A_trainer_with_warm_up_takes_its_first_steps_at_the_reduced_rate_and_then_trains_as_without()
    {
        var problem = ProblemCatalog.Create("poisson-1d");
        var plain = Recipes.For(problem).WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = 20, DecayRate = 1, LearningRate = 1e-2 });
        using var warm = TrainerFactory.Create(plain.WithAdam(it => it with { WarmupSteps = 10 }));
        using var cold = TrainerFactory.Create(plain);
        Assert.Equal(1e-3, warm.LearningRate, 15);
        Assert.Equal(1e-2, cold.LearningRate);
        for (int i = 0; i < 10; i++) { warm.TrainStep(); cold.TrainStep(); }
        Assert.Equal(1e-2, warm.LearningRate);
        Assert.NotEqual(cold.Losses, warm.Losses); // the warm-up changed the path
    }

    [Fact]
    public void The_warm_up_comes_from_a_problem_files_training_table()
    {
        string file = File.ReadAllText(FileProblems.Repository.Example("poisson-1d.toml"));
        string text = file[..file.IndexOf("[training]", StringComparison.Ordinal)] + "[training]\nwarmup_steps = 250\n";
        var problem = Physics.Files.ProblemFiles.Parse(text, "p.toml");
        Assert.Equal(250, Recipes.For(problem).Adam.WarmupSteps);
    }
}
