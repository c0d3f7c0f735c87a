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
        TrainingConfig Config(int i, int l) => variant switch
        {
            "constant" => RunFixtures.Poisson(i, l) with { DecayRate = 1 },
            "causal" => Causal(i),
            _ => RunFixtures.Poisson(i, l) with { DecayRate = 0.5, DecaySteps = 10 },
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
        Assert.Equal((newIters, newLbfgs), (config.Iterations, config.LbfgsIterations));
    }

    private static TrainingConfig Causal(int iterations) =>
        TrainingConfig.Defaults(Physics.ProblemCatalog.Create("allen-cahn"), "DN") with
        {
            Layers = "2x8", Iterations = iterations, Batch = 16, FullBatch = true, ResidualPoints = 32, ConditionPoints = 16, EvaluationGrid = 12,
            CausalChunks = 4, LogEvery = 3, EvaluateEvery = 7, CheckpointEvery = 5, Seed = 2,
        };

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
        Assert.Equal(30, RunReader.ReadConfig(dir).Recorded.Iterations);   // nothing changed
    }

    [Fact]
    public void ExtendingAPhaseThatEndedOnItsKeptBestParametersSaysItIsNotTheLongerRun()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(30) with { AdamKeepBest = 4 });
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
        var config = TrainingConfig.Defaults(ProblemFiles.Load(file), "M1") with
        {
            ProblemFile = file, Layers = "2x8", Iterations = 6, Batch = 8, EvaluationGrid = 10,
        };
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
