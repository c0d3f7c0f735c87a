using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Training.Runs;
using PinnServe.Training.Tests.FileProblems;

namespace PinnServe.Training.Tests.Runs;

/// <summary>
/// A run directory written before the grouped recipe (Fixtures/flat-config-run: `pinn train poisson-1d --layers 1x4
/// --iters 20 --batch 8 --precision float64 --weighting annealing --tau 3 --eval-grid 11 --checkpoint-every 10 …
/// --threads 1` by the build before it, config.json flat and without a version) still reads, evaluates and resumes.
/// </summary>
public class FlatConfigRunTests
{
    private static string Copy()
    {
        string source = Path.Combine(Repository.Root, "tests", "PinnServe.Training.Tests", "Runs", "Fixtures", "flat-config-run");
        string dir = RunFixtures.TempDir();
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    /// <summary>The same settings bound today, as the command line binds them.</summary>
    private static TrainingRecipe Today(int iterations) => RecipeBinder.Apply(Recipes.For(ProblemCatalog.Create("poisson-1d")) with { Model = "custom" },
    [
        new("network.layers", "1x4"), new("adam.iterations", iterations), new("sampling.batch", 8), new("device.precision", "float64"),
        new("weighting.scheme", "annealing"), new("weighting.interval", 3), new("logging.eval_grid", 11),
        new("logging.checkpoint_every", 10), new("logging.log_every", 10), new("logging.eval_every", 10),
    ]);

    [Fact]
    public void The_flat_config_reads_as_the_grouped_recipe_and_is_rewritten_grouped()
    {
        var (recorded, _) = RunReader.ReadConfig(Copy());
        Assert.Equal(Today(20).ToJson(), recorded.ToJson());
        var grouped = JsonNode.Parse(recorded.ToJson())!.AsObject();
        Assert.Equal(TrainingRecipe.CurrentVersion, (int)grouped["version"]!);
        Assert.Equal(3, (int)grouped["weighting"]!["interval"]!);
        Assert.Equal("float64", (string)grouped["device"]!["precision"]!);
    }

    [Fact]
    public void The_old_run_evaluates_to_the_error_it_recorded()
    {
        using var trainer = RunReader.OpenCheckpoint(Copy());
        Assert.Equal(20, trainer.Step);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(Copy(), TrainingRun.SummaryFile)))!;
        double recordedError = (double)summary["rel_l2"]!, error = trainer.RelativeL2()![0];
        Assert.Equal(recordedError, error, RoundingTolerance * Math.Abs(recordedError));
    }

    // The fixture's 20 steps ran on the 256-bit kernels with TensorPrimitives' tanh. The engine's own tanh (TanhKernel,
    // since 2026-12-07) and, on another vector width, another summation order end the same steps a few ulps apart:
    // the comparisons allow float64 rounding, far below any real change.
    private const double RoundingTolerance = 1e-9;

    private static void AssertNumbersClose(string expectedJson, string actualJson)
    {
        var expected = Numbers(JsonNode.Parse(expectedJson)).ToList();
        var actual = Numbers(JsonNode.Parse(actualJson)).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= RoundingTolerance * Math.Max(1, Math.Abs(expected[i])),
                $"number {i}: {expected[i]:R} against {actual[i]:R}");
    }

    private static IEnumerable<double> Numbers(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(kv => Numbers(kv.Value)),
        JsonArray a => a.SelectMany(Numbers),
        JsonValue v when v.TryGetValue<double>(out var d) => [d],
        _ => [],
    };

    [Fact]
    public void The_old_run_extended_is_the_run_started_today_with_the_larger_budget()
    {
        string old = Copy();
        using (var run = TrainingRun.Resume(old, budget: new RunBudget(30, null))) RunFixtures.RunTo(run, null);
        string straight = RunFixtures.TempDir();
        using (var run = TrainingRun.Create(Today(30), straight)) RunFixtures.RunTo(run, null);
        // The metrics rows before step 20 were written by the old build; the last checkpoint and the network must agree to rounding.
        var (c1, n1, _) = RunFixtures.Outcome(straight);
        var (c2, n2, _) = RunFixtures.Outcome(old);
        AssertNumbersClose(n1, n2);
        AssertNumbersClose(c1, c2);
        Assert.Contains("\"version\": 2", File.ReadAllText(Path.Combine(old, TrainingRun.ConfigFile)));
    }

    [Fact]
    public void A_grouped_recipe_round_trips_through_its_json_with_every_group_set()
    {
        var recipe = Today(20).WithLbfgs(l => l with { Iterations = 4, Sampling = PointSampling.Residual, KeepBest = 2 })
            .WithAdam(a => a with { Schedule = LearningRateSchedule.Cosine, WarmupSteps = 3 })
            .WithSampling(s => s with { FaceReduction = FaceReduction.Mean, TermPoints = new() { ["bc"] = 7 } })
            .WithLogging(l => l with { Diagnostics = new PinnServe.Training.Diagnostics.DiagnosticsConfig { HistogramSteps = [0, 5], HessianEvery = 10 } })
            .WithData(d => d with { Learn = new() { ["C"] = 0.5 } }) with { Weighting = new() { ReferenceGradient = ReferenceGradient.Sum, Weights = new() { ["bc"] = 2 } } };
        string json = recipe.ToJson();
        Assert.Equal(json, TrainingRecipe.FromJson(json, "config.json").ToJson());
        Assert.Contains("\"reference_gradient\": \"sum\"", json);
        Assert.Contains("\"face_reduction\": \"mean\"", json);
    }

    [Fact]
    public void A_config_json_of_a_newer_version_or_with_an_unknown_setting_is_refused_by_name()
    {
        string json = Today(20).ToJson();
        Assert.Contains("version 3 is not supported", Assert.Throws<InvalidDataException>(() => TrainingRecipe.FromJson(json.Replace("\"version\": 2", "\"version\": 3"), "config.json")).Message);
        var e = Assert.Throws<InvalidSettingException>(() => TrainingRecipe.FromJson(json.Replace("\"learning_rate\"", "\"learning_rat\""), "config.json"));
        Assert.Equal("adam.learning_rat", e.Setting);
        Assert.Contains("unknown setting 'lr'", Assert.Throws<InvalidDataException>(() => TrainingRecipe.FromJson("{\"lr\": 1}", "config.json")).Message);
    }
}
