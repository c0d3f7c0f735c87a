using PinnServe.Training.Reproduction;

namespace PinnServe.Training.Tests;

public class ReproducerTests
{
    private static string CompletedTrial(string root, Experiment e, ExperimentRow row, int seed, double relL2, string? hessianCsv = null)
    {
        string dir = Path.Combine(root, e.Id, Reproducer.Slug(row.Label), $"seed-{seed}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, TrainingRun.SummaryFile), $$"""{"status":"completed","rel_l2":{{relL2}},"seconds":12.5,"ms_per_iter":0.5}""");
        if (hessianCsv is not null) File.WriteAllText(Path.Combine(dir, "hessian.csv"), hessianCsv);
        return dir;
    }

    [Fact]
    public void FinishedTrialsAreNotRerunAndTablesCompareWithThePublishedValue()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("demo", "Demo", "test", [new ExperimentRow("A", "poisson-1d", RecipeOverrides.None, 1e-2)]);
        CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        CompletedTrial(root, e, e.Rows[0], 2, 4e-2);
        // The command cannot run: any trial that were not skipped would fail.
        var results = RecordedTrialsTests.Unstartable(root).Run(e, trials: 2, jobs: 2, []);
        Assert.All(results, r => Assert.Equal("completed", r.Status));
        string md = Reproducer.Write(e, results, Path.Combine(root, "out"), "pinn reproduce demo", "test machine", ["--iters", "10"]);
        Assert.Contains("| A | 2 | 3.00e-2 ± 1.4e-2 | 1.00e-2 | 3.00 |", md);
        Assert.Contains("Not the paper's setup", md);
        // A thread count does not change a trial's numbers, so it alone does not mark the table.
        Assert.DoesNotContain("Not the paper's setup", Reproducer.Write(e, results, Path.Combine(root, "out2"), "cmd", "machine", ["--threads", "1"]));
    }

    [Fact]
    public void StiffnessMetricAveragesTheHessianColumnAfterStepZero()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("stiff", "Stiffness", "test", [new ExperimentRow("M1", "helmholtz", RecipeOverrides.None, null)], Metric: "hessian:L");
        CompletedTrial(root, e, e.Rows[0], 1, 0.5, "step,L,L_r\n0,1000,1\n500,10,1\n1000,30,1\n");
        var results = RecordedTrialsTests.Unstartable(root).Run(e, trials: 1, jobs: 1, []);
        Assert.Equal(20, results.Single().RelativeL2!.Value, 12);
        Assert.Contains("mean λ_max(∇²L)", Reproducer.Write(e, results, Path.Combine(root, "out"), "cmd", "machine"));
    }

    [Fact]
    public void LearnedMetricReadsTheCoefficientsRelativeError()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("inv", "Inverse", "test", [new ExperimentRow("noise 1%", "burgers", RecipeOverrides.None, null)], Metric: "learned:nu");
        string dir = CompletedTrial(root, e, e.Rows[0], 1, 0.5);
        File.WriteAllText(Path.Combine(dir, TrainingRun.SummaryFile),
            """{"status":"completed","rel_l2":0.5,"seconds":3,"ms_per_iter":1,"learned":{"nu":{"value":0.0032,"truth":0.0031831,"relative_error":0.0053}}}""");
        var result = RecordedTrialsTests.Unstartable(root).Run(e, trials: 1, jobs: 1, []).Single();
        Assert.Equal(0.0053, result.RelativeL2!.Value, 12);
        Assert.Contains("rel. error of nu", Reproducer.Write(e, [result], Path.Combine(root, "out"), "cmd", "machine"));
    }

    /// <summary>A stand-in for the command line's binder: "poisson-1d --iters N --seed S" as a recipe.</summary>
    internal static TrainingRecipe BindIters(IReadOnlyList<string> arguments)
    {
        var problem = Physics.ProblemCatalog.Create(arguments[0]);
        int iters = int.Parse(arguments[arguments.ToList().IndexOf("--iters") + 1]);
        int at = arguments.ToList().IndexOf("--seed");
        var recipe = new RecipeOverrides { Settings = [new SettingValue("adam.iterations", iters)] }.Bind(problem);
        return at < 0 ? recipe : recipe with { Seed = ulong.Parse(arguments[at + 1]) };
    }

    private static RecipeOverrides Iters(int n) => new() { Settings = [new SettingValue("adam.iterations", n)] };

    [Fact]
    public void ALegacyRunDirectoryIsCurrentWhenItsRecordedArgumentsBindToTheRowsRecipe()
    {
        // The migration rule: reproduce-trial.json's `pinn train` arguments, bound, against the row's recipe (with the seed).
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("edited", "Edited", "test", [new ExperimentRow("A", "poisson-1d", Iters(40000), 1e-2)]);
        string same = CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        // Written otherwise (the option order, an explicit default), bound the same: current.
        File.WriteAllText(Path.Combine(same, Reproducer.TrialRecordFile), """{"row":"A","arguments":["poisson-1d","--seed","1","--iters","40000"]}""");
        string edited = CompletedTrial(root, e, e.Rows[0], 2, 4e-2);
        File.WriteAllText(Path.Combine(edited, Reproducer.TrialRecordFile), """{"row":"A","arguments":["poisson-1d","--iters","500","--seed","2"]}""");
        CompletedTrial(root, e, e.Rows[0], 3, 3e-2); // no record: a trial from before records were kept

        var log = new List<string>();
        var reproducer = new Reproducer(root) { Isolate = ("/nonexistent/pinn", []), BindArguments = BindIters, ParseOptions = o => Iters(int.Parse(o[1])) };
        var results = reproducer.Run(e, trials: 3, jobs: 1, ["--threads", "1"], log.Add);
        Assert.Equal(["completed", "stale", "completed"], results.OrderBy(r => r.Seed).Select(r => r.Status));
        var note = Assert.Single(log, l => l.Contains("seed 2"));
        Assert.Contains("started as `pinn train poisson-1d --iters 500 --seed 2`, which differs from the row in adam.iterations 500 → 40000", note);
        Assert.DoesNotContain(root, note); // names the folder, not the local path
        // --no-train's collection leaves it out too.
        Assert.Equal([1UL, 3UL], reproducer.Run(e, trials: 3, jobs: 1, [], startNone: true).Select(r => r.Seed).Order());
        // The same recipe through --train-args matches the record (an extra setting wins over the row's).
        Assert.Equal(2UL, reproducer.Run(e, trials: 2, jobs: 1, ["--iters", "500"], startNone: true).Single().Seed);
        // Without the command line's binder a legacy record cannot be judged: it is not counted.
        Assert.Equal([3UL], RecordedTrialsTests.Unstartable(root).Run(e, trials: 3, jobs: 1, [], startNone: true).Select(r => r.Seed));
    }

    [Fact]
    public void ATrialFileThatDiffersFromTheRowIsStaleAndNamesTheSetting()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("t", "T", "test", [new ExperimentRow("A", "poisson-1d", Iters(30), null)]);
        string dir = CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        var then = ExperimentTrials.Trial(e, e.Rows[0], Iters(20), 1, ExperimentTrials.RunDirectory(e.Rows[0], 1));
        File.WriteAllText(Path.Combine(dir, PinnServe.Training.Trials.TrialFile.CopyInRunDirectory), then.ToJson());
        var log = new List<string>();
        var result = RecordedTrialsTests.Unstartable(root).Run(e, trials: 1, jobs: 1, [], log.Add).Single();
        Assert.Equal("stale", result.Status);
        Assert.Contains("its trial.json differs from the row in adam.iterations 20 → 30", Assert.Single(log));
        // The trial file of the row itself is current.
        File.WriteAllText(Path.Combine(dir, PinnServe.Training.Trials.TrialFile.CopyInRunDirectory),
            ExperimentTrials.Trial(e, e.Rows[0], RecipeOverrides.None, 1, ExperimentTrials.RunDirectory(e.Rows[0], 1)).ToJson());
        Assert.Equal("completed", RecordedTrialsTests.Unstartable(root).Run(e, trials: 1, jobs: 1, []).Single().Status);
    }

    [Fact]
    public void TrialsRunInProcessThroughTheTrialRunnerAndAreNotRunTwice()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var tiny = new RecipeOverrides { Model = "M1", Settings = [new SettingValue("adam.iterations", 5), new SettingValue("network.layers", "1x4"), new SettingValue("logging.eval_grid", 8)] };
        var e = new Experiment("tiny", "Tiny", "test", [new ExperimentRow("A", "poisson-1d", tiny, 1e-2)]);
        var log = new List<string>();
        var result = new Reproducer(root).Run(e, trials: 1, jobs: 1, ["--threads", "1"], log.Add).Single();
        Assert.True(result.Status == "completed", string.Join("\n", log));
        string dir = Path.Combine(root, "tiny", "a", "seed-1");
        var trial = PinnServe.Training.Trials.TrialFile.Read(Path.Combine(dir, PinnServe.Training.Trials.TrialFile.CopyInRunDirectory));
        Assert.Equal("tiny/A/seed-1", trial.Name);
        // The run trained the row's recipe: the same as binding the row directly.
        var config = TrainingRecipe.FromJson(File.ReadAllText(Path.Combine(dir, TrainingRun.ConfigFile)), "config.json");
        Assert.Empty(ExperimentTrials.Differences(ExperimentTrials.Comparable(config), ExperimentTrials.Comparable(ExperimentTrials.Recipe(e.Rows[0], RecipeOverrides.None, 1))));
        var again = new List<string>();
        Assert.Equal(result.RelativeL2, new Reproducer(root).Run(e, trials: 1, jobs: 1, [], again.Add).Single().RelativeL2);
        Assert.Contains("already done", Assert.Single(again));
    }

    [Fact]
    public void StartNoneReportsOnlyCompletedTrials()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("partial", "Partial", "test", [new ExperimentRow("A", "poisson-1d", RecipeOverrides.None, 1e-2), new ExperimentRow("B", "poisson-1d", RecipeOverrides.None, 1e-2)]);
        CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        CompletedTrial(root, e, e.Rows[1], 2, 3e-2);
        // With a command that cannot start, the plain run reports its missing trials as failed; startNone skips them.
        var all = RecordedTrialsTests.Unstartable(root).Run(e, trials: 3, jobs: 1, [], startNone: true);
        Assert.Equal([("A", 1UL), ("B", 2UL)], all.Select(r => (r.Row, r.Seed)).ToArray());
        Assert.All(all, r => Assert.Equal("completed", r.Status));
        var onlyB = RecordedTrialsTests.Unstartable(root).Run(e, trials: 3, jobs: 1, [], onlyRows: new HashSet<string> { "B" }, startNone: true);
        Assert.Equal("B", onlyB.Single().Row);
    }

    [Fact]
    public void EveryRowOfAnExperimentHasItsOwnTrialDirectory()
    {
        // Two labels with one slug would share (and overwrite) each other's trials.
        foreach (var e in ExperimentCatalog.All)
        {
            var slugs = e.Rows.Select(r => Reproducer.Slug(r.Label)).ToList();
            Assert.True(slugs.Distinct().Count() == slugs.Count, $"{e.Id}: {string.Join(", ", slugs.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key))}");
        }
    }

    [Theory]
    [InlineData("burgers-table1", 7, " + 5000 L-BFGS", "lbfgs.iterations", "5000")]
    [InlineData("allen-cahn-table3", 2, " + 2000 L-BFGS", "lbfgs.iterations", "2000")]
    [InlineData("burgers-inverse", 2, " + 5000 L-BFGS", "lbfgs.iterations", "5000")]
    [InlineData("dn-lp-table4", 6, " keep-best 100", "adam.keep_best", "100")]
    [InlineData("allen-cahn-causal", 1, " keep-best 500", "adam.keep_best", "500")]
    [InlineData("burgers-table1", 1, " keep-best 100", "adam.keep_best", "100")]
    [InlineData("poisson2d-table2", 2, " keep-best 100", "adam.keep_best", "100")]
    public void DerivedRowsAreTheirBaseRowWithOnlyOneSettingAdded(string id, int count, string suffix, string path, string value)
    {
        // L-BFGS rows are seeded from the Adam row's checkpoints, and the notes read a keep-best trial as its plain row's
        // trajectory of the same seed: both are only valid when nothing else differs.
        var experiment = ExperimentCatalog.Find(id);
        var derived = experiment.Rows.Where(r => r.Label.EndsWith(suffix, StringComparison.Ordinal)).ToList();
        Assert.Equal(count, derived.Count);
        foreach (var row in derived)
        {
            var plain = experiment.Rows.Single(r => r.Label == row.Label[..^suffix.Length]);
            var expected = plain.RecipeJson();
            var settings = expected["settings"] as System.Text.Json.Nodes.JsonObject ?? [];
            settings[path] = int.Parse(value);
            expected["settings"] = settings.DeepClone();
            Assert.Equal(expected.ToJsonString(), row.RecipeJson().ToJsonString());
            Assert.Equal(plain.Published, row.Published);
            Assert.Null(row.PublishedSeconds);
        }
    }

    [Fact]
    public void UnknownExperimentIsNamed() =>
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => ExperimentCatalog.Find("nope")).Message);
}
