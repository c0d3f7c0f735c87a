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
        var e = new Experiment("demo", "Demo", "test", [new ExperimentRow("A", ["poisson-1d"], 1e-2)]);
        CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        CompletedTrial(root, e, e.Rows[0], 2, 4e-2);
        // The command cannot run: any trial that were not skipped would fail.
        var results = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 2, jobs: 2, []);
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
        var e = new Experiment("stiff", "Stiffness", "test", [new ExperimentRow("M1", ["helmholtz"], null)], Metric: "hessian:L");
        CompletedTrial(root, e, e.Rows[0], 1, 0.5, "step,L,L_r\n0,1000,1\n500,10,1\n1000,30,1\n");
        var results = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 1, jobs: 1, []);
        Assert.Equal(20, results.Single().RelativeL2!.Value, 12);
        Assert.Contains("mean λ_max(∇²L)", Reproducer.Write(e, results, Path.Combine(root, "out"), "cmd", "machine"));
    }

    [Fact]
    public void LearnedMetricReadsTheCoefficientsRelativeError()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("inv", "Inverse", "test", [new ExperimentRow("noise 1%", ["burgers"], null)], Metric: "learned:nu");
        string dir = CompletedTrial(root, e, e.Rows[0], 1, 0.5);
        File.WriteAllText(Path.Combine(dir, TrainingRun.SummaryFile),
            """{"status":"completed","rel_l2":0.5,"seconds":3,"ms_per_iter":1,"learned":{"nu":{"value":0.0032,"truth":0.0031831,"relative_error":0.0053}}}""");
        var result = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 1, jobs: 1, []).Single();
        Assert.Equal(0.0053, result.RelativeL2!.Value, 12);
        Assert.Contains("rel. error of nu", Reproducer.Write(e, [result], Path.Combine(root, "out"), "cmd", "machine"));
    }

    [Fact]
    public void ExtraArgumentsReplaceTheRowsSingleValuedOptionsAndAddToRepeatableOnes()
    {
        string[] row = ["poisson-1d", "--model", "M1", "--param", "C=2", "--iters", "40000", "--full-batch", "--lr", "1e-3"];
        Assert.Equal(["poisson-1d", "--model", "M1", "--param", "C=2", "--full-batch", "--lr", "1e-3", "--iters", "20"],
            Reproducer.Merge(row, ["--iters", "20"]));
        Assert.Equal(["poisson-1d", "--model", "M1", "--param", "C=2", "--iters", "40000", "--lr", "1e-3", "--full-batch", "--param", "k=3"],
            Reproducer.Merge(row, ["--full-batch", "--param", "k=3"]));
        Assert.Equal(row, Reproducer.Merge(row, []));
    }

    [Fact]
    public void ATrialStartedWithOtherArgumentsIsNeitherCountedNorResumed()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("edited", "Edited", "test", [new ExperimentRow("A", ["poisson-1d", "--iters", "40000"], 1e-2)]);
        string same = CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        File.WriteAllText(Path.Combine(same, Reproducer.TrialRecordFile), """{"row":"A","arguments":["poisson-1d","--iters","40000","--seed","1"]}""");
        string edited = CompletedTrial(root, e, e.Rows[0], 2, 4e-2);
        File.WriteAllText(Path.Combine(edited, Reproducer.TrialRecordFile), """{"row":"A","arguments":["poisson-1d","--iters","500","--seed","2"]}""");
        CompletedTrial(root, e, e.Rows[0], 3, 3e-2); // no record: a trial from before records were kept

        var log = new List<string>();
        var results = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 3, jobs: 1, ["--threads", "1"], log.Add);
        Assert.Equal(["completed", "stale", "completed"], results.OrderBy(r => r.Seed).Select(r => r.Status));
        var note = Assert.Single(log, l => l.Contains("seed 2"));
        Assert.Contains("started as `pinn train poisson-1d --iters 500 --seed 2`", note);
        Assert.DoesNotContain(root, note); // names the folder, not the local path
        // --no-train's collection leaves it out too.
        var collected = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 3, jobs: 1, [], startNone: true);
        Assert.Equal([1UL, 3UL], collected.Select(r => r.Seed).Order());
        // The same arguments through --train-args match the record (an extra option replaces the row's).
        var shortened = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 2, jobs: 1, ["--iters", "500"], startNone: true);
        Assert.Equal(2UL, shortened.Single().Seed);
    }

    [Fact]
    public void StartNoneReportsOnlyCompletedTrials()
    {
        string root = Directory.CreateTempSubdirectory("pinn-repro-").FullName;
        var e = new Experiment("partial", "Partial", "test", [new ExperimentRow("A", ["poisson-1d"], 1e-2), new ExperimentRow("B", ["poisson-1d"], 1e-2)]);
        CompletedTrial(root, e, e.Rows[0], 1, 2e-2);
        CompletedTrial(root, e, e.Rows[1], 2, 3e-2);
        // With a command that cannot start, the plain run reports its missing trials as failed; startNone skips them.
        var all = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 3, jobs: 1, [], startNone: true);
        Assert.Equal([("A", 1UL), ("B", 2UL)], all.Select(r => (r.Row, r.Seed)).ToArray());
        Assert.All(all, r => Assert.Equal("completed", r.Status));
        var onlyB = new Reproducer("/nonexistent/pinn", [], root).Run(e, trials: 3, jobs: 1, [], onlyRows: new HashSet<string> { "B" }, startNone: true);
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
    [InlineData("burgers-table1", 7, " + 5000 L-BFGS", "--lbfgs", "5000")]
    [InlineData("allen-cahn-table3", 2, " + 2000 L-BFGS", "--lbfgs", "2000")]
    [InlineData("burgers-inverse", 2, " + 5000 L-BFGS", "--lbfgs", "5000")]
    [InlineData("dn-lp-table4", 6, " keep-best 100", "--adam-keep-best", "100")]
    [InlineData("allen-cahn-causal", 1, " keep-best 500", "--adam-keep-best", "500")]
    [InlineData("burgers-table1", 1, " keep-best 100", "--adam-keep-best", "100")]
    [InlineData("poisson2d-table2", 2, " keep-best 100", "--adam-keep-best", "100")]
    public void DerivedRowsAreTheirBaseRowWithOnlyOneOptionAdded(string id, int count, string suffix, string option, string value)
    {
        // L-BFGS rows are seeded from the Adam row's checkpoints, and the notes read a keep-best trial as its plain row's
        // trajectory of the same seed: both are only valid when nothing else differs.
        var experiment = ExperimentCatalog.Find(id);
        var derived = experiment.Rows.Where(r => r.Label.EndsWith(suffix, StringComparison.Ordinal)).ToList();
        Assert.Equal(count, derived.Count);
        foreach (var row in derived)
        {
            var plain = experiment.Rows.Single(r => r.Label == row.Label[..^suffix.Length]);
            Assert.Equal([.. plain.Arguments, option, value], row.Arguments);
            Assert.Equal(plain.Published, row.Published);
            Assert.Null(row.PublishedSeconds);
        }
    }

    [Fact]
    public void UnknownExperimentIsNamed() =>
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => ExperimentCatalog.Find("nope")).Message);
}
