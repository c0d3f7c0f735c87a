namespace PinnServe.Cli.Tests;

/// <summary>`pinn reproduce --rows`: running some rows rewrites a table that still holds the other rows' results.</summary>
public class ReproduceCommandTests
{
    [Fact]
    public void Running_some_rows_keeps_the_completed_trials_of_the_others_in_the_table()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-reproduce-").FullName;
        // Row C=1 completed earlier (a summary as `pinn train` writes it); only C=2 is run now, briefly.
        string done = Path.Combine(dir, "runs", "poisson1d-table1", "c-1", "seed-1");
        Directory.CreateDirectory(done);
        File.WriteAllText(Path.Combine(done, "summary.json"), """{"status":"completed","rel_l2":0.0123,"seconds":20,"ms_per_iter":0.5}""");
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
}
