using System.Text.Json.Nodes;
using PinnServe.Physics.Files;
using PinnServe.Training.Runs;

namespace PinnServe.Training.Tests.Runs;

/// <summary>
/// Extending a finished or interrupted run to a larger budget gives the run started with that budget, bit for bit
/// (the learning-rate schedules depend on the step only); shrinking, or growing a phase already left, is refused.
/// </summary>
public class RunExtensionTests
{
    // Budgets end on steps that are not multiples of the logging (3) or evaluation (7) interval: their last rows
    // exist only because they were last.
    [Theory]
    [InlineData(31, 0, null, 50, 0, "decay")]     // Adam, finished at 31, to 50 (exponential decay)
    [InlineData(31, 0, 17, 50, 0, "decay")]       // interrupted at 17
    [InlineData(31, 0, null, 50, 0, "constant")]
    [InlineData(30, 0, null, 30, 14, "decay")]    // an L-BFGS phase added to a finished Adam run
    [InlineData(30, 10, null, 30, 23, "decay")]   // the L-BFGS phase extended
    [InlineData(30, 10, 35, 30, 23, "decay")]     // ...from inside it
    [InlineData(31, 0, null, 50, 0, "causal")]    // causal weights (Allen–Cahn)
    public void AnExtendedRunIsTheRunStartedWithTheLargerBudget(int iters, int lbfgs, int? stopAt, int newIters, int newLbfgs, string variant)
    {
        TrainingRecipe Config(int i, int l) => variant switch
        {
            "constant" => RunFixtures.Poisson(i, l).WithAdam(it => it with { DecayRate = 1 }),
            "causal" => Causal(i),
            _ => RunFixtures.Poisson(i, l).WithAdam(it => it with { DecayRate = 0.5, DecaySteps = 10 }),
        };
        string straight = RunFixtures.Train(Config(newIters, newLbfgs));
        string extended = RunFixtures.Train(Config(iters, lbfgs), stopAt);
        var notes = new List<string>();
        using (var run = TrainingRun.Resume(extended, budget: new RunBudget(newIters, newLbfgs), notes: notes.Add))
        {
            Assert.Equal(newIters + newLbfgs, run.Trainer.Config.TotalIterations);
            RunFixtures.RunTo(run, null);
        }
        Assert.Empty(notes);
        RunFixtures.AssertSameOutcome(straight, extended);
        // config.json records the new budget, so a later plain resume keeps it.
        var config = RunReader.ReadConfig(extended).Recorded;
        Assert.Equal((newIters, newLbfgs), (config.Adam.Iterations, config.Lbfgs.Iterations));
    }

    private static TrainingRecipe Causal(int iterations) =>
        Recipes.For(Physics.ProblemCatalog.Create("allen-cahn"), "DN").WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = iterations }).WithSampling(it => it with { Batch = 16, FullBatch = true, ResidualPoints = 32, ConditionPoints = 16 }).WithLogging(it => it with { EvaluationGrid = 12, LogEvery = 3, EvaluateEvery = 7, CheckpointEvery = 5 }).WithCausal(it => it with { Chunks = 4 }) with { Seed = 2 };

    [Fact]
    public void AResumedRunMayCheckpointMoreOftenWithoutChangingAnyNumber()
    {
        // A long run started with checkpoints every 5,000 steps can be continued with a shorter interval (a crash then
        // loses less); the training is the same bit for bit and config.json records the new interval.
        string straight = RunFixtures.Train(RunFixtures.Poisson(50));
        string resumed = RunFixtures.Train(RunFixtures.Poisson(31), stopAt: 17);
        using (var run = TrainingRun.Resume(resumed, budget: new RunBudget(50, null, CheckpointEvery: 4)))
        {
            Assert.Equal(4, run.Trainer.Config.Logging.CheckpointEvery);
            RunFixtures.RunTo(run, null);
        }
        RunFixtures.AssertSameOutcome(straight, resumed);
        Assert.Equal(4, RunReader.ReadConfig(resumed).Recorded.Logging.CheckpointEvery);
        // The older checkpoints kept are those of the new interval (the recorded one was 5).
        var older = Directory.GetFiles(resumed, "checkpoint-*.json").Select(f => int.Parse(Path.GetFileNameWithoutExtension(f)["checkpoint-".Length..])).Order();
        Assert.Equal([44, 48], older);
        Assert.Contains("logging.checkpoint_every",
            Assert.ThrowsAny<Exception>(() => TrainingRun.Resume(resumed, budget: new RunBudget(null, null, CheckpointEvery: 0))).Message);
    }

    [Fact]
    public void ShrinkingAndGrowingAPhaseAlreadyLeftAreRefused()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(30, 10), stopAt: 34);
        Assert.Contains("--iters 20 is below the run's budget of 30 Adam steps",
            Assert.Throws<ArgumentException>(() => TrainingRun.Resume(dir, budget: new RunBudget(20, null))).Message);
        Assert.Contains("--lbfgs 5 is below the run's budget of 10",
            Assert.Throws<ArgumentException>(() => TrainingRun.Resume(dir, budget: new RunBudget(null, 5))).Message);
        Assert.Contains("the run is past its Adam phase (step 34",
            Assert.Throws<ArgumentException>(() => TrainingRun.Resume(dir, budget: new RunBudget(40, null))).Message);
        Assert.Equal(30, RunReader.ReadConfig(dir).Recorded.Adam.Iterations);   // nothing changed
    }

    [Fact]
    public void ExtendingAPhaseThatEndedOnItsKeptBestParametersSaysItIsNotTheLongerRun()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(30).WithAdam(it => it with { KeepBest = 4 }));
        var notes = new List<string>();
        using (TrainingRun.Resume(dir, budget: new RunBudget(40, null), notes: notes.Add)) { }
        Assert.Contains("ended at step 30 on its kept-best parameters", Assert.Single(notes));
    }

    [Fact]
    public void ARunWhoseFinalErrorIsNotFiniteStillWritesItsSummary()
    {
        // An exact solution that is infinite everywhere: the losses are fine, the relative L² is NaN.
        string folder = Directory.CreateTempSubdirectory("pinn-rundir-").FullName;
        string file = Path.Combine(folder, "p.toml");
        File.WriteAllText(file, """
            name = "p"
            outputs = ["u"]
            [inputs]
            x = [0, 1]
            [exact]
            u = "1/(x-x)"
            [[terms]]
            name = "residual"
            kind = "residual"
            expr = "u_xx + 1"
            [[terms]]
            name = "bc"
            kind = "dirichlet"
            on = ["x = 0", "x = 1"]
            value = "0"
            """);
        var config = Recipes.For(ProblemFiles.Load(file), "M1").WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = 6 }).WithSampling(it => it with { Batch = 8 }).WithLogging(it => it with { EvaluationGrid = 10 }) with { ProblemFile = file };
        string dir = RunFixtures.TempDir();
        JsonObject summary;
        using (var run = TrainingRun.Create(config, dir)) summary = run.Run();
        Assert.Equal("completed", (string?)summary["status"]);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, TrainingRun.SummaryFile)))!;
        Assert.Null(written["rel_l2"]);
        Assert.Equal("NaN", (string?)written["non_finite"]!["rel_l2"]);
        Assert.Equal("NaN", (string?)written["non_finite"]!["rel_l2_fields.u"]);
    }
}
