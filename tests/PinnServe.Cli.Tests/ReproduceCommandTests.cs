namespace PinnServe.Cli.Tests;

/// <summary>`pinn reproduce`: a rewritten table keeps the trials of rows not run now and those recorded by the previous table.</summary>
public class ReproduceCommandTests
{
    /// <summary>A working directory where poisson1d-table1's row C=1, seed 1, completed (a summary as `pinn train` writes it).</summary>
    private static string WithCompletedTrialOfRowC1()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-reproduce-").FullName;
        string done = Path.Combine(dir, "runs", "poisson1d-table1", "c-1", "seed-1");
        Directory.CreateDirectory(done);
        File.WriteAllText(Path.Combine(done, "summary.json"), """{"status":"completed","rel_l2":0.0123,"seconds":20,"ms_per_iter":0.5}""");
        return dir;
    }

    [Fact]
    public void Running_some_rows_keeps_the_completed_trials_of_the_others_in_the_table()
    {
        // Row C=1 completed earlier; only C=2 is run now, briefly.
        string dir = WithCompletedTrialOfRowC1();
        var r = PinnCli.RunIn(dir, "reproduce", "poisson1d-table1", "--trials", "1", "--rows", "C=2", "--runs", "runs", "--out", "out",
            "--train-args", "--iters", "--train-args", "20", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(1, r.Json["trials"]!.GetValue<int>()); // what this invocation ran
        string table = File.ReadAllText(Path.Combine(dir, "out", "poisson1d-table1.md"));
        Assert.Contains("| C=1 | 1 | 1.23e-2 |", table);
        Assert.Matches(@"\| C=2 \| 1 \| \d\.\d\de-?\d+ \|", table);
        Assert.Contains("| C=4 | 0 | — |", table);
        Assert.Contains("Command: `pinn reproduce poisson1d-table1 --trials 1 --train-args --iters 20`", table);
    }

    [Fact]
    public void A_table_regenerated_without_the_run_directories_keeps_the_trials_it_recorded()
    {
        string dir = WithCompletedTrialOfRowC1();
        var first = PinnCli.RunIn(dir, "reproduce", "poisson1d-table1", "--trials", "1", "--no-train", "--runs", "runs", "--out", "out");
        Assert.True(first.ExitCode == 0, first.Stderr);
        // Another machine: the table and CSV are there (committed), the run directories are not.
        Directory.Delete(Path.Combine(dir, "runs"), recursive: true);
        var again = PinnCli.RunIn(dir, "reproduce", "poisson1d-table1", "--trials", "1", "--no-train", "--runs", "runs", "--out", "out");
        Assert.True(again.ExitCode == 0, again.Stderr);
        string table = File.ReadAllText(Path.Combine(dir, "out", "poisson1d-table1.md"));
        Assert.Contains("| C=1 | 1 | 1.23e-2 |", table);
        Assert.Contains("The table's one trial is carried over from its previous poisson1d-table1.csv", table);
        Assert.Contains("| C=1 | 1 | 1.23e-2 |", File.ReadAllText(Path.Combine(dir, "results.md")));
        // Asked to run that row, it runs nothing: the table records the trial.
        var rerun = PinnCli.RunIn(dir, "reproduce", "poisson1d-table1", "--trials", "1", "--rows", "C=1", "--runs", "runs", "--out", "out");
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Contains("C=1 seed 1: recorded by poisson1d-table1.csv", rerun.Stderr);
        Assert.DoesNotContain("starting", rerun.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs", "poisson1d-table1", "c-1")));
        // A different budget is another table: the recorded full-budget trial is not shown as one of its trials.
        var shortened = PinnCli.RunIn(dir, "reproduce", "poisson1d-table1", "--trials", "1", "--no-train", "--runs", "runs", "--out", "out",
            "--train-args", "--iters", "--train-args", "20");
        Assert.True(shortened.ExitCode == 0, shortened.Stderr);
        Assert.Contains("not carried over", shortened.Stderr);
        Assert.Contains("| C=1 | 0 | — |", File.ReadAllText(Path.Combine(dir, "out", "poisson1d-table1.md")));
    }

    [Fact]
    public void Seeds_runs_only_the_named_seeds_and_the_table_keeps_the_others()
    {
        // Row C=1 seed 1 completed earlier; now only seed 2 of that row is asked for.
        string dir = WithCompletedTrialOfRowC1();
        var r = PinnCli.RunIn(dir, "reproduce", "poisson1d-table1", "--trials", "2", "--rows", "C=1", "--seeds", "2", "--runs", "runs", "--out", "out",
            "--train-args", "--iters", "--train-args", "20", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(1, r.Json["trials"]!.GetValue<int>());
        Assert.Contains("C=1 seed 2: starting", r.Stderr);
        Assert.DoesNotContain("seed 1: starting", r.Stderr);
        Assert.True(File.Exists(Path.Combine(dir, "runs", "poisson1d-table1", "c-1", "seed-2", "summary.json")));
        Assert.False(Directory.Exists(Path.Combine(dir, "runs", "poisson1d-table1", "c-2")));
        // The table lists both seeds of C=1 once each: the one run now and the one completed before.
        var csv = File.ReadAllLines(Path.Combine(dir, "out", "poisson1d-table1.csv"));
        Assert.Equal(["1", "2"], csv.Where(l => l.StartsWith("C=1,")).Select(l => l.Split(',')[1]).Order());
        Assert.Contains("| C=1 | 2 |", File.ReadAllText(Path.Combine(dir, "out", "poisson1d-table1.md")));
    }
}
