namespace PinnServe.Cli.Tests;

/// <summary>scripts/error_stats.py: the window's median and lowest error per trial, the kept step, and row means.</summary>
public class ErrorStatsScriptTests
{
    [Fact]
    public void Reports_final_median_and_lowest_in_the_window_and_leaves_out_a_keep_best_trials_restored_row()
    {
        string root = Directory.CreateTempSubdirectory("pinn-stats-").FullName;
        // Plain trial: evaluations 0.5 (outside the window), 0.04, 0.01, 0.03; it ends at 0.03.
        Trial(root, "plain", 1, ["0,0.5", "1000,0.04", "2000,0.01", "3000,0.03"],
            """{"status":"completed","rel_l2":0.03}""");
        // Keep-best trial: its last row (0.02) is the restored parameters' error, not the trajectory's.
        Trial(root, "kept", 1, ["0,0.5", "1000,0.08", "2000,0.06", "3000,0.02"],
            """{"status":"completed","rel_l2":0.02,"adam_keep_best":{"every":100,"best_step":1900}}""");
        Trial(root, "kept", 2, ["0,0.5", "1000,0.2"], """{"status":"failed"}""");  // not completed: left out
        // Kept at the last step: nothing was restored, so the last row is the trajectory's and counts.
        Trial(root, "kept-last", 1, ["0,0.5", "1000,0.08", "2000,0.06", "3000,0.005"],
            """{"status":"completed","rel_l2":0.005,"adam_keep_best":{"every":100,"best_step":3000}}""");

        string[] lines = PythonScript.Run("error_stats.py", root, "--rows", "plain,kept,kept-last", "--from-step", "1000");

        Assert.Contains("| plain | 1 | 3.00e-02 | 3.00e-02 | 1.00e-02 | 2000 | – |", lines);
        Assert.Contains("| kept | 1 | 2.00e-02 | 7.00e-02 | 6.00e-02 | 2000 | 1900 |", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("| kept | 2 ", StringComparison.Ordinal));
        Assert.Contains("| kept | 1 | 2.00e-02 | 7.00e-02 | 6.00e-02 |", lines);  // the row's means, over one trial
        Assert.Contains("| kept-last | 1 | 5.00e-03 | 6.00e-02 | 5.00e-03 | 3000 | 3000 |", lines);

        var error = Assert.Throws<InvalidOperationException>(() => PythonScript.Run("error_stats.py", root, "--rows", "nope"));
        Assert.Contains("no row folder 'nope'", error.Message);
    }

    private static void Trial(string root, string row, int seed, string[] evaluations, string summary)
    {
        string dir = Path.Combine(root, row, $"seed-{seed}");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "metrics.csv"), ["step,loss,rel_l2_u", .. evaluations.Select(e => e.Replace(",", ",1,", StringComparison.Ordinal))]);
        File.WriteAllText(Path.Combine(dir, "summary.json"), summary);
    }
}
