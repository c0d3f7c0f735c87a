namespace PinnServe.Cli.Tests;

/// <summary>
/// The PINNacle examples with their reference data exactly as PINNacle ships it (issue 35): the problem file reads
/// the COMSOL export as scattered points, training reports the relative L² against it, `pinn eval` uses it without
/// --reference, and --resume --iters extends the run. Short budgets: these check the plumbing, not the accuracy.
/// </summary>
public class PinnacleExampleTests
{
    private static readonly string Examples = Path.Combine(ServeCommandTests.RepositoryRoot(), "examples", "problems");

    /// <summary>A scratch copy of an example and its data file (runs are never written into the repository).</summary>
    private static string CopyExample(string toml, params string[] data)
    {
        string dir = Directory.CreateTempSubdirectory("pinn-pinnacle-").FullName;
        foreach (var name in data.Append(toml)) File.Copy(Path.Combine(Examples, name), Path.Combine(dir, name));
        return Path.Combine(dir, toml);
    }

    [Fact]
    public void ProblemsFileReadsTheShippedReferencesAsScatteredPoints()
    {
        var burgers = PinnCli.Run("problems", "--file", Path.Combine(Examples, "pinnacle-burgers1d.toml"));
        Assert.True(burgers.ExitCode == 0, burgers.Stderr);
        // 101 nodes × 11 snapshots; COMSOL's X taken for the input x, and said so.
        Assert.Contains("reference: burgers1d.dat (1111 points; X → x), fields u", burgers.Stdout);
        var poisson = PinnCli.Run("problems", "--file", Path.Combine(Examples, "pinnacle-poisson2d-c.toml"));
        Assert.True(poisson.ExitCode == 0, poisson.Stderr);
        Assert.Contains("reference: poisson1_cg_data.dat (1246 points; X → x, Y → y), fields u", poisson.Stdout);
        var json = PinnCli.Run("problems", "--file", Path.Combine(Examples, "pinnacle-poisson2d-c.toml"), "--json").Json;
        Assert.Equal(1246, json["problem"]!["reference"]!["points"]!.GetValue<int>());
    }

    [Fact]
    public void BurgersTrainsAgainstTheComsolReferenceEvaluatesWithoutItAndExtends()
    {
        string file = CopyExample("pinnacle-burgers1d.toml", "burgers1d.dat");
        string dir = Path.GetDirectoryName(file)!, run = Path.Combine(dir, "run");
        string[] small = ["--layers", "2x16", "--residual-points", "256", "--condition-points", "64", "--log-every", "10", "--eval-every", "10"];
        var train = PinnCli.Run(["train", file, "--iters", "20", "--out", run, "--json", .. small]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        double rel = train.Json["rel_l2"]!.GetValue<double>();
        Assert.InRange(rel, 1e-3, 10);
        // The error curve during training is against the file's points.
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.Contains("rel_l2_u", metrics[0]);
        Assert.Equal(3, metrics.Length);

        // eval without --reference uses the problem file's reference, and gives what --reference with the same file gives.
        var eval = PinnCli.Run("eval", run, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Equal(rel, eval.Json["rel_l2"]!.GetValue<double>(), 12);
        var explicitly = PinnCli.Run("eval", run, "--reference", Path.Combine(dir, "burgers1d.dat"), "--json");
        Assert.True(explicitly.ExitCode == 0, explicitly.Stderr);
        Assert.Equal(rel, explicitly.Json["rel_l2"]!.GetValue<double>(), 6);

        // --resume --iters extends the finished run to a larger budget.
        var resumed = PinnCli.Run("train", "--resume", run, "--iters", "30", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(30, resumed.Json["iterations"]!.GetValue<int>());
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length);
    }

    [Fact]
    public void TrainReferenceOptionTakesAComsolFileAsScatteredPoints()
    {
        string file = CopyExample("pinnacle-poisson2d-c.toml", "poisson1_cg_data.dat", "poisson_classic.dat");
        string dir = Path.GetDirectoryName(file)!;
        // The headerless mesh PINNacle also ships: by position in the problem file ...
        File.WriteAllText(file, File.ReadAllText(file).Replace("file = \"poisson1_cg_data.dat\"", "file = \"poisson_classic.dat\"\ncolumns = [\"x\", \"y\", \"u\"]"));
        string[] small = ["--iters", "5", "--layers", "2x8", "--residual-points", "128", "--condition-points", "32", "--json"];
        var byPosition = PinnCli.Run(["train", file, "--out", Path.Combine(dir, "a"), .. small]);
        Assert.True(byPosition.ExitCode == 0, byPosition.Stderr);
        // ... and --reference overrides it with the file PINNacle's benchmark loads (header "X Y u (1)").
        var given = PinnCli.Run(["train", file, "--reference", Path.Combine(dir, "poisson1_cg_data.dat"), "--out", Path.Combine(dir, "b"), .. small]);
        Assert.True(given.ExitCode == 0, given.Stderr);
        double a = byPosition.Json["rel_l2"]!.GetValue<double>(), b = given.Json["rel_l2"]!.GetValue<double>();
        Assert.InRange(a, 1e-3, 10);
        Assert.InRange(b, 1e-3, 10);
        Assert.NotEqual(a, b); // same seed, same network: only the reference points differ
        // The summary says which reference the error is against, by file name only.
        Assert.Equal("problem-reference", byPosition.Json["evaluation"]!["origin"]!.GetValue<string>());
        Assert.StartsWith("poisson_classic.dat (", byPosition.Json["evaluation"]!["source"]!.GetValue<string>());
        Assert.Equal("reference-file", given.Json["evaluation"]!["origin"]!.GetValue<string>());
        Assert.StartsWith("poisson1_cg_data.dat (1246 points", given.Json["evaluation"]!["source"]!.GetValue<string>());

        // pinn eval names a headerless file's columns from the command line: by position, or name=column.
        string classic = Path.Combine(dir, "poisson_classic.dat");
        foreach (var columns in new[] { "x,y,u", "x=c1,y=c2,u=c3" })
        {
            var eval = PinnCli.Run("eval", Path.Combine(dir, "a"), "--reference", classic, "--reference-columns", columns, "--json");
            Assert.True(eval.ExitCode == 0, eval.Stderr);
            Assert.Equal(a, eval.Json["rel_l2"]!.GetValue<double>(), 6);
            Assert.Equal("reference-file", eval.Json["evaluation"]!["origin"]!.GetValue<string>());
            Assert.Equal("poisson_classic.dat", eval.Json["evaluation"]!["source"]!.GetValue<string>());
        }
        // pinn train takes the same mapping for its --reference.
        var trained = PinnCli.Run(["train", file, "--reference", classic, "--reference-columns", "x,y,u", "--out", Path.Combine(dir, "c"), .. small]);
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        Assert.Equal(a, trained.Json["rel_l2"]!.GetValue<double>(), 12);
        Assert.Equal("reference-file", trained.Json["evaluation"]!["origin"]!.GetValue<string>());
        var plain = PinnCli.Run("eval", Path.Combine(dir, "a"), "--json");
        Assert.Equal("problem-reference", plain.Json["evaluation"]!["origin"]!.GetValue<string>());
        var headerless = PinnCli.Run("eval", Path.Combine(dir, "a"), "--reference", classic);
        Assert.Equal(2, headerless.ExitCode);
        Assert.Contains("no column 'x'", headerless.Stderr);
        var miscounted = PinnCli.Run("eval", Path.Combine(dir, "a"), "--reference", classic, "--reference-columns", "x,y");
        Assert.Equal(2, miscounted.ExitCode);
        Assert.Contains("--reference-columns names 2 columns; 'poisson_classic.dat' has 3", miscounted.Stderr);
    }

    [Theory]
    [InlineData("file = \"nope.dat\"", @"pinnacle-poisson2d-c\.toml:\d+:\d+: reference file 'nope\.dat' does not exist")]
    [InlineData("file = \"poisson_classic.dat\"", @"pinnacle-poisson2d-c\.toml:\d+:\d+: 'poisson_classic\.dat' has no column 'x' \(columns: c1, c2, c3; .*by position")]
    [InlineData("file = \"poisson_classic.dat\"\ncolumns = [\"x\", \"y\"]", @"pinnacle-poisson2d-c\.toml:\d+:\d+: 'columns' names 2 columns; 'poisson_classic\.dat' has 3")]
    [InlineData("file = \"poisson1_cg_data.dat\"\ncolumns = { x = \"X\", y = \"Z\" }", @"pinnacle-poisson2d-c\.toml:\d+:\d+: 'poisson1_cg_data\.dat' has no column 'Z'")]
    public void ProblemsFileReportsABadReferenceAtItsPosition(string reference, string expected)
    {
        string file = CopyExample("pinnacle-poisson2d-c.toml", "poisson1_cg_data.dat", "poisson_classic.dat");
        File.WriteAllText(file, File.ReadAllText(file).Replace("file = \"poisson1_cg_data.dat\"", reference));
        var result = PinnCli.Run("problems", "--file", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Matches(expected, result.Stderr);
        Assert.DoesNotContain(Path.GetDirectoryName(file)!, result.Stderr); // relative names only
    }

    [Fact]
    public void AlsoReferenceScoresTheRunAgainstTheExactSolutionBesideTheBenchmarkFile()
    {
        string file = CopyExample("pinnacle-burgers1d.toml", "burgers1d.dat");
        string dir = Path.GetDirectoryName(file)!, run = Path.Combine(dir, "run"), exact = Path.Combine(dir, "exact.npz");
        var reference = PinnCli.Run("reference", "burgers", "--param", "nu=0.003183098861837907", "--grid", "21x32", "--out", exact);
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        string[] small = ["--layers", "2x16", "--residual-points", "256", "--condition-points", "64", "--log-every", "5", "--eval-every", "10"];
        var train = PinnCli.Run(["train", file, "--iters", "20", "--out", run, "--also-reference", exact, "--json", .. small]);
        Assert.True(train.ExitCode == 0, train.Stderr);

        // A column per field and reference, filled at the evaluation steps only; the headline stays the problem's file.
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        var header = metrics[0].Split(',');
        int own = Array.IndexOf(header, "rel_l2_u"), also = Array.IndexOf(header, "rel_l2_u@exact");
        Assert.True(own >= 0 && also > own, metrics[0]);
        var rows = metrics.Skip(1).Select(l => l.Split(',')).ToDictionary(r => int.Parse(r[0]));
        Assert.Equal("", rows[5][also]);
        double at20 = double.Parse(rows[20][also], System.Globalization.CultureInfo.InvariantCulture);

        // The scores are what `pinn eval --reference` gives for the same file, and not the benchmark file's.
        var summary = train.Json;
        double scored = summary["rel_l2_also"]!["exact"]!["u"]!.GetValue<double>();
        Assert.Equal(20, summary["rel_l2_also_step"]!.GetValue<int>());
        Assert.Equal(scored, at20, 5);
        var eval = PinnCli.Run("eval", run, "--reference", exact, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Equal(scored, eval.Json["rel_l2"]!.GetValue<double>(), 9);
        Assert.NotEqual(summary["rel_l2"]!.GetValue<double>(), scored);

        // Extending the run keeps scoring against it (the recipe holds the file), in the same columns.
        var resumed = PinnCli.Run("train", "--resume", run, "--iters", "30", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(30, resumed.Json["rel_l2_also_step"]!.GetValue<int>());
        var extended = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.Equal(metrics[0], extended[0]);
        Assert.NotEqual("", extended[^1].Split(',')[also]);
    }

    [Fact]
    public void AlsoReferenceRefusesAMissingFileAndTwoFilesOfOneName()
    {
        string file = CopyExample("pinnacle-burgers1d.toml", "burgers1d.dat");
        string dir = Path.GetDirectoryName(file)!;
        var missing = PinnCli.Run("train", file, "--iters", "1", "--out", Path.Combine(dir, "a"), "--also-reference", Path.Combine(dir, "nope.npz"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("'nope.npz' does not exist", missing.Stderr);
        Assert.DoesNotContain(dir, missing.Stderr); // the file's name, never its path
        Directory.CreateDirectory(Path.Combine(dir, "copy"));
        File.Copy(Path.Combine(dir, "burgers1d.dat"), Path.Combine(dir, "copy", "burgers1d.dat"));
        var twice = PinnCli.Run("train", file, "--iters", "1", "--out", Path.Combine(dir, "b"),
            "--also-reference", Path.Combine(dir, "burgers1d.dat"), "--also-reference", Path.Combine(dir, "copy", "burgers1d.dat"));
        Assert.NotEqual(0, twice.ExitCode);
        Assert.Contains("named 'burgers1d'", twice.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "b")), "a refused run writes no run directory");
    }

    [Fact]
    public void TheTableFileBindsEveryRowAndARowRunsAsPinnTrainDoes()
    {
        // examples/pinnacle-table.toml names its problems as problems/NAME.toml, relative to itself: copied so.
        string dir = Directory.CreateTempSubdirectory("pinn-pinnacle-table-").FullName, runs = Path.Combine(dir, "runs");
        Directory.CreateDirectory(Path.Combine(dir, "problems"));
        foreach (var name in new[] { "pinnacle-burgers1d.toml", "burgers1d.dat", "pinnacle-poisson2d-c.toml", "poisson1_cg_data.dat" })
            File.Copy(Path.Combine(Examples, name), Path.Combine(dir, "problems", name));
        string table = Path.Combine(dir, "pinnacle-table.toml"), problem = Path.Combine(dir, "problems", "pinnacle-burgers1d.toml");
        File.Copy(Path.Combine(Examples, "..", "pinnacle-table.toml"), table);
        // Every row binds (a misspelt setting would be refused at its line); nothing runs with --status.
        var status = PinnCli.Run("reproduce", "--file", table, "--trials", "1", "--status", "--runs", runs);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("11 not submitted", status.Stdout);
        // A label with a comma is taken whole when it is the whole --rows value; two labels are split at the comma.
        File.WriteAllText(table, File.ReadAllText(table).Replace("label = \"Burgers DN\"", "label = \"Burgers DN, constant rate\""));
        var whole = PinnCli.Run("reproduce", "--file", table, "--trials", "1", "--status", "--runs", runs, "--rows", "Burgers DN, constant rate");
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        Assert.Matches(@"(^|\n)1 not submitted", whole.Stdout);
        var two = PinnCli.Run("reproduce", "--file", table, "--trials", "1", "--status", "--runs", runs, "--rows", "Burgers PINN,Poisson PINN");
        Assert.True(two.ExitCode == 0, two.Stderr);
        Assert.Contains("2 not submitted", two.Stdout);

        // The L-BFGS row at a tiny budget is the `pinn train` command docs/results.md quotes, step for step.
        string[] small = ["--iters", "6", "--lbfgs", "4", "--layers", "2x8", "--residual-points", "128", "--condition-points", "32", "--log-every", "2", "--eval-every", "5"];
        var row = PinnCli.Run(["reproduce", "--file", table, "--trials", "1", "--rows", "Burgers PINN decayed + L-BFGS", "--runs", runs, "--out", Path.Combine(dir, "out"),
            .. small.SelectMany(a => new[] { "--train-args", a })]);
        Assert.True(row.ExitCode == 0, row.Stderr);
        string trial = Directory.GetFiles(runs, "metrics.csv", SearchOption.AllDirectories).Single();
        var train = PinnCli.Run(["train", problem, "--decay", "0.9", "--seed", "1", "--out", Path.Combine(dir, "cli"), .. small]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        static string[] Values(string file) => File.ReadAllLines(file).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 1))).ToArray(); // all but the seconds
        Assert.Equal(Values(Path.Combine(dir, "cli", "metrics.csv")), Values(trial));
    }
}
