using PinnServe.Physics;

namespace PinnServe.Training.Tests;

public class TrainerTests
{
    private static TrainingRecipe Small(string problem, string model, int iterations) =>
        Recipes.For(ProblemCatalog.Create(problem), model).WithNetwork(it => it with { Layers = "2x12" }).WithAdam(it => it with { Iterations = iterations }).WithSampling(it => it with { Batch = 32 }).WithLogging(it => it with { EvaluationGrid = 20, LogEvery = 5, EvaluateEvery = 10, CheckpointEvery = 1000 }) with { Weighting = (Recipes.For(ProblemCatalog.Create(problem), model).Weighting) with { Interval = 3 } };

    private static string TempDir() => Directory.CreateTempSubdirectory("pinn-test-").FullName;

    [Theory]
    [InlineData("klein-gordon", "M4", false)]
    [InlineData("poisson-2d", "DN", true)]
    public void ResumeContinuesExactlyAsIfNeverStopped(string problem, string model, bool fullBatch)
    {
        var config = Small(problem, model, 40).WithSampling(it => it with { FullBatch = fullBatch, ResidualPoints = 64, ConditionPoints = 16 });
        string straight = TempDir(), split = TempDir();
        using (var run = TrainingRun.Create(config, straight)) run.Run();
        using (var run = TrainingRun.Create(config.WithAdam(it => it with { Iterations = 40 }), split))
        {
            // Stop at step 17 (not a multiple of τ or of the log interval) through cancellation.
            using var cancel = new CancellationTokenSource();
            var progress = new StopAt(17, cancel);
            run.Run(progress, cancel.Token, progressEvery: 1);
            Assert.True(run.Trainer.Step < 40);
        }
        using (var resumed = TrainingRun.Resume(split)) resumed.Run();
        var a = File.ReadAllText(Path.Combine(straight, TrainingRun.CheckpointFile));
        var b = File.ReadAllText(Path.Combine(split, TrainingRun.CheckpointFile));
        Assert.Equal(a, b);
        Assert.Equal(Columns(straight), Columns(split));
        Assert.Equal(File.ReadAllText(Path.Combine(straight, TrainingRun.NetworkFileName)), File.ReadAllText(Path.Combine(split, TrainingRun.NetworkFileName)));
    }

    // Metrics without the wall-clock column.
    private static string[] Columns(string dir) =>
        File.ReadAllLines(Path.Combine(dir, TrainingRun.MetricsFile)).Select(l => string.Join(",", l.Split(',').Where((_, i) => i != 1))).ToArray();

    private sealed class StopAt(int step, CancellationTokenSource cancel) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) { if (value.Step >= step) cancel.Cancel(); }
    }

    [Fact]
    public void ThreadCountDoesNotChangeResults()
    {
        var config = Small("klein-gordon", "M2", 15);
        using var one = TrainerFactory.Create(config, threads: 1);
        using var two = TrainerFactory.Create(config, threads: 2);
        for (int i = 0; i < 15; i++) { one.TrainStep(); two.TrainStep(); }
        Assert.Equal(one.ToNetworkFile().ToJson(), two.ToNetworkFile().ToJson());
        Assert.Equal(one.Weights, two.Weights);
    }

    [Fact]
    public void SteadyStateTrainingStepAllocatesNothing()
    {
        // The runtime's tiered JIT allocates a little while it promotes hot methods, so windows are measured
        // until that settles; a per-step allocation would show up in every window.
        using var trainer = TrainerFactory.Create(Small("klein-gordon", "M4", 10_000));
        var windows = new List<long>();
        for (int attempt = 0; attempt < 12; attempt++)
        {
            Thread.Sleep(150);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) trainer.TrainStep();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (windows[^1] == 0) break;
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per 100-step window: {string.Join(", ", windows)}");
    }

    [Fact]
    public void DivergenceStopsWithAClearMessageAndKeepsTheCheckpoint()
    {
        var config = Small("klein-gordon", "M1", 200).WithAdam(it => it with { LearningRate = 1e6, DecayRate = 1 }).WithLogging(it => it with { CheckpointEvery = 1 });
        string dir = TempDir();
        using var run = TrainingRun.Create(config, dir);
        var summary = run.Run();
        Assert.Equal("diverged", summary["status"]!.GetValue<string>());
        Assert.Contains("became", summary["message"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(dir, TrainingRun.CheckpointFile)));
        var checkpoint = Checkpoint.Load(Path.Combine(dir, TrainingRun.CheckpointFile));
        Assert.All(Checkpoint.Decode<float>(checkpoint.Parameters), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void PlainPinnLearnsPoisson1D()
    {
        var config = Recipes.For(ProblemCatalog.Create("poisson-1d"), "M1").WithNetwork(it => it with { Layers = "3x20" }).WithAdam(it => it with { Iterations = 1500 }).WithLogging(it => it with { EvaluationGrid = 200 });
        using var trainer = TrainerFactory.Create(config);
        double before = trainer.RelativeL2()![0];
        for (int i = 0; i < config.Adam.Iterations; i++) trainer.TrainStep();
        double after = trainer.RelativeL2()![0];
        Assert.True(after < 2e-2 && after < before / 20, $"relative L2 {before:E2} -> {after:E2}");
    }

    [Fact]
    public void AnnealingRaisesTheBoundaryWeightOnStiffHelmholtz()
    {
        // Wang et al. 2021's pathology: the residual gradient dwarfs the boundary's, so λ_bc grows well above 1.
        var config = Small("helmholtz", "M2", 60).WithNetwork(it => it with { Layers = "3x30" }).WithSampling(it => it with { Batch = 64 });
        using var trainer = TrainerFactory.Create(config);
        for (int i = 0; i < 60; i++) trainer.TrainStep();
        Assert.True(trainer.Weights[0] > 5, $"λ_bc = {trainer.Weights[0]}");
    }

    [Fact]
    public void CorruptCheckpointAndBadConfigAreReportedClearly()
    {
        string dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "checkpoint.json"), "{ not json");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(Path.Combine(dir, "checkpoint.json")));
        Assert.Contains("corrupt", e.Message);
        var bad = Small("poisson-1d", "M1", 10) with { Weighting = new WeightingConfig { Scheme = "magic" } };
        Assert.Contains("'magic'", Assert.ThrowsAny<ArgumentException>(bad.Validate).Message);
        Assert.Contains("'3by5'", Assert.Throws<InvalidSettingException>(() => (Small("poisson-1d", "M1", 10).WithNetwork(it => it with { Layers = "3by5" })).Validate()).Message);
        Assert.Contains("'M9'", Assert.Throws<ArgumentException>(() => Recipes.For(ProblemCatalog.Create("helmholtz"), "M9")).Message);
        var unknownWeight = Small("poisson-1d", "M1", 10) with { Weighting = new WeightingConfig { Weights = new() { ["ic"] = 2 } } };
        Assert.Contains("'ic'", Assert.ThrowsAny<ArgumentException>(() => TrainerFactory.Create(unknownWeight)).Message);
    }
}

public class HeadlineMetricTests
{
    [Fact]
    public void CavityHeadlineIsTheVelocityMagnitudeError()
    {
        var config = Recipes.For(ProblemCatalog.Create("cavity"), "M1").WithNetwork(it => it with { Layers = "1x8" }).WithAdam(it => it with { Iterations = 2 }).WithSampling(it => it with { Batch = 8 }).WithLogging(it => it with { EvaluationGrid = 9, LogEvery = 1, EvaluateEvery = 1, CheckpointEvery = 10 });
        string dir = Directory.CreateTempSubdirectory("pinn-test-").FullName;
        using (var run = TrainingRun.Create(config, dir)) run.Run();
        var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, TrainingRun.SummaryFile)))!;
        Assert.Equal("velocity_magnitude", summary["rel_l2_of"]!.GetValue<string>());
        Assert.Equal(summary["rel_l2_velocity_magnitude"]!.GetValue<double>(), summary["rel_l2"]!.GetValue<double>());
        Assert.NotEqual(summary["rel_l2_fields"]!["u"]!.GetValue<double>(), summary["rel_l2"]!.GetValue<double>());
    }
}
