using System.Text.Json.Nodes;

namespace PinnServe.Cli.Tests;

/// <summary>`pinn sweep`: a grid of `pinn train` options × seeds on a problem file or a catalog problem, resumable.</summary>
public class SweepCommandTests
{
    private static string ExampleCopy(string name)
    {
        string dir = Directory.CreateTempSubdirectory("pinn-sweep-").FullName;
        File.Copy(Path.Combine(ServeCommandTests.RepositoryRoot(), "examples", "problems", name), Path.Combine(dir, name));
        return dir;
    }

    [Fact]
    public void SweepOnAProblemFileTabulatesEveryTrialAndARerunStartsNone()
    {
        // The file is named relative to the working directory, as a user types it; trials run in that directory too.
        string dir = ExampleCopy("poisson-1d.toml");
        string[] args = ["sweep", "poisson-1d.toml", "--vary", "model=M1,M2", "--seeds", "2", "--jobs", "2", "--runs", "sweeps",
            "--train-args", "--iters", "--train-args", "60", "--train-args", "--layers", "--train-args", "2x8", "--json"];
        var first = PinnCli.RunIn(dir, args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(4, first.Json["completed"]!.GetValue<int>());
        Assert.Equal(4, first.Json["started"]!.GetValue<int>());

        string table = File.ReadAllText(Path.Combine(dir, "sweeps", "poisson-1d.md"));
        foreach (string row in new[] { "model=M1", "model=M2" })
        {
            string line = table.Split('\n').Single(l => l.StartsWith($"| {row} |", StringComparison.Ordinal));
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            Assert.Equal("2", cells[2]);            // trials
            Assert.Contains(" ± ", cells[3]);       // mean ± std of two seeds
            Assert.Equal("—", cells[4]);            // nothing published
        }
        var csv = File.ReadAllLines(Path.Combine(dir, "sweeps", "poisson-1d.csv")).Skip(1).ToList();
        Assert.Equal(4, csv.Count(l => l.Contains(",completed,", StringComparison.Ordinal)));
        // Each trial is a run of the file: its directory keeps a copy of it and the trial's seed.
        string trial = Path.Combine(dir, "sweeps", "poisson-1d", "model-m2", "seed-2");
        Assert.True(File.Exists(Path.Combine(trial, "problem.toml")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(trial, "config.json")))!;
        Assert.Equal(2UL, config["seed"]!.GetValue<ulong>());
        Assert.Equal(60, config["adam"]!["iterations"]!.GetValue<int>());

        var stamp = File.GetLastWriteTimeUtc(Path.Combine(trial, "summary.json"));
        var again = PinnCli.RunIn(dir, args);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(0, again.Json["started"]!.GetValue<int>());
        Assert.Equal(4, again.Json["already_completed"]!.GetValue<int>());
        Assert.DoesNotContain("starting", again.Stderr);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(trial, "summary.json")));
    }

    [Fact]
    public void ParametersOfACatalogProblemAreVariedWithParam()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-sweep-").FullName;
        var r = PinnCli.RunIn(dir, "sweep", "poisson-1d", "--vary", "C=1,2", "--vary", "lr=1e-3,1e-2", "--seeds", "1", "--no-train", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(4, r.Json["rows"]!.GetValue<int>());
        var rows = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "sweep", "poisson-1d.json")))!["rows"]!.AsArray();
        Assert.Equal(["C=1 lr=1e-3", "C=1 lr=1e-2", "C=2 lr=1e-3", "C=2 lr=1e-2"], rows.Select(row => row!["row"]!.GetValue<string>()));
        Assert.Equal("poisson-1d --param C=2 --lr 1e-3", rows[2]!["arguments"]!.GetValue<string>());
    }

    [Fact]
    public void ValuesThatHoldCommasAreSeparatedBySemicolons()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-sweep-").FullName;
        var r = PinnCli.RunIn(dir, "sweep", "poisson-1d", "--vary", "histograms=0,10;0,20", "--seeds", "1",
            "--train-args", "--iters", "--train-args", "30", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "sweep", "poisson-1d.json")))!["rows"]!.AsArray();
        Assert.Equal(["histograms=0,10", "histograms=0,20"], rows.Select(row => row!["row"]!.GetValue<string>()));
        Assert.Equal("poisson-1d --histograms 0,20", rows[1]!["arguments"]!.GetValue<string>());
        // The CSV quotes a label that holds a comma, so each line keeps its six columns.
        var csv = File.ReadAllLines(Path.Combine(dir, "runs", "sweep", "poisson-1d.csv"));
        Assert.StartsWith("\"histograms=0,10\",1,", csv[1]);
        Assert.StartsWith("\"histograms=0,20\",1,", csv[2]);
    }

    [Theory]
    [InlineData("'kapa' is neither a `pinn train` option nor a parameter", "kapa=0.1,0.2")]
    [InlineData("--vary model=M1,M9: Unknown model 'M9'", "model=M1,M9")]
    [InlineData("--vary C=1,one: --param 'C=one' is malformed", "C=1,one")]
    [InlineData("--vary 'model' is malformed", "model")]
    [InlineData("seeds are set with --seeds", "seed=1,2")]
    public void ABadVaryExitsWithCode2NamingIt(string expected, string vary)
    {
        string dir = ExampleCopy("poisson-1d.toml");
        var r = PinnCli.RunIn(dir, "sweep", "poisson-1d.toml", "--vary", vary, "--seeds", "1", "--runs", "sweeps");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "sweeps")));   // nothing started
    }

    [Theory]
    [InlineData("has no parameter 'nope'", "--metric", "learned:nope")]
    [InlineData("--metric learned:C: no trial learns 'C'", "--metric", "learned:C")]
    [InlineData("--seeds must be 1..1,000, got 2147483647", "--seeds", "2147483647", "--no-train")]
    public void AMetricNoTrialRecordsAndAnUnboundedSeedCountAreRefused(string expected, params string[] options)
    {
        string dir = ExampleCopy("poisson-1d.toml");
        var r = PinnCli.RunIn(dir, ["sweep", "poisson-1d.toml", "--runs", "sweeps", .. options]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "sweeps")));   // nothing started
    }
}
