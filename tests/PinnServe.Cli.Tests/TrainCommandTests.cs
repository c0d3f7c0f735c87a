namespace PinnServe.Cli.Tests;

public class TrainCommandTests
{
    [Theory]
    [InlineData("unknown problem 'navier'", "train", "navier")]
    [InlineData("unknown parameter 'a9'", "train", "helmholtz", "--param", "a9=1")]
    [InlineData("'k=2.5x' is malformed", "train", "helmholtz", "--param", "k=2.5x")]
    [InlineData("--weighting must be annealing, fixed, grad-norm, inverse-dirichlet or ntk, got 'magic' (weighting.scheme)", "train", "helmholtz", "--weighting", "magic")]
    [InlineData("--fourier-features must be 1..4,096 (the number of features; a scale alone is not enough), got 0 (network.fourier_features.count)", "train", "helmholtz", "--fourier-scale", "2")]
    [InlineData("--rwf-std must be a positive number, got -1 (network.rwf.std)", "train", "helmholtz", "--rwf-std", "-1")]
    [InlineData("--ntk-points must be 1..4,096, got 0 (weighting.ntk_points)", "train", "helmholtz", "--ntk-points", "0")]
    [InlineData("malformed layers '5by50'", "train", "helmholtz", "--layers", "5by50")]
    [InlineData("unknown model 'm9'", "train", "helmholtz", "--model", "M9")]
    [InlineData("--iters", "train", "helmholtz", "--iters", "-5")]
    [InlineData("--lbfgs must be ≥ 0", "train", "helmholtz", "--lbfgs", "-1")]
    [InlineData("--lbfgs-resample", "train", "helmholtz", "--lbfgs", "5", "--lbfgs-resample", "-3")]
    [InlineData("--lbfgs-keep-best must be ≥ 0, got -2", "train", "helmholtz", "--lbfgs", "5", "--lbfgs-keep-best", "-2")]
    [InlineData("--adam-keep-best must be ≥ 0, got -4", "train", "helmholtz", "--adam-keep-best", "-4")]
    [InlineData("--seeds: '0' is not a seed from 1 to 2 (--trials)", "reproduce", "poisson2d-table2", "--trials", "2", "--seeds", "1,0")]
    [InlineData("--seeds: 'two' is not a seed from 1 to 3 (--trials)", "reproduce", "poisson2d-table2", "--seeds", "two")]
    [InlineData("--lbfgs-restart must be ≥ 0, got -7", "train", "helmholtz", "--lbfgs", "5", "--lbfgs-restart", "-7")]
    [InlineData("--causal-chunks must be 0 (off) or 2..10,000, got 1", "train", "allen-cahn", "--causal-chunks", "1")]
    [InlineData("--causal-chunks must be 0 (off) or 2..10,000, got 2147483647", "train", "allen-cahn", "--causal-chunks", "2147483647")]
    [InlineData("--weight ic must be a finite number ≥ 0, got -1 (weighting.weights.ic)", "train", "klein-gordon", "--weight", "ic=-1")]
    [InlineData("--decay-steps must be ≥ 1, got -1 (adam.decay_steps)", "train", "klein-gordon", "--decay-steps", "-1")]
    [InlineData("--residual-batch must be ≥ 1, got 0", "train", "allen-cahn", "--residual-batch", "0")]
    [InlineData("--aggregation must be layerwise, flat or layer-ratio, got 'nope'", "train", "helmholtz", "--model", "M1", "--aggregation", "nope")]
    [InlineData("--p must be 1, 2, inf or ∞, got '3'", "train", "helmholtz", "--model", "M2", "--p", "3")]
    [InlineData("--lbfgs-keep-best needs an L-BFGS phase", "train", "helmholtz", "--lbfgs-keep-best", "5")]
    [InlineData("--eval-grid 2147483647 per axis in 2 dimensions", "train", "helmholtz", "--eval-grid", "2147483647")]
    [InlineData("--batch must be 1..1,000,000 points, got 2147483647", "train", "helmholtz", "--batch", "2147483647")]
    [InlineData("--warmup-steps must be ≥ 0, got -3 (adam.warmup_steps)", "train", "helmholtz", "--warmup-steps", "-3")]
    [InlineData("--causal-tol must be a positive number, got 0", "train", "allen-cahn", "--causal-chunks", "8", "--causal-tol", "0")]
    [InlineData("time axis named 't'", "train", "helmholtz", "--causal-chunks", "8")]
    [InlineData("periodic input 'q' is not an input (inputs: t, x)", "train", "allen-cahn", "--periodic", "q")]
    [InlineData("--periodic lists an input twice: x,x", "train", "allen-cahn", "--periodic", "x,x")]
    [InlineData("no such run directory", "train", "--resume", "/nonexistent/run")]
    [InlineData("unrecognized command or argument '--frobnicate'", "train", "helmholtz", "--frobnicate")]
    [InlineData("'DN β=0.5' is not a row of poisson2d-table2", "reproduce", "poisson2d-table2", "--rows", "PINN,DN β=0.5")]
    public void BadArgumentsExitWithCode2AndNameTheValue(string expected, params string[] args)
    {
        var r = PinnCli.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Fact]
    public void TrainEvalAndResumeFollowTheJsonContract()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("pinn-cli-").FullName, "run");
        var train = PinnCli.Run("train", "poisson-1d", "--model", "M2", "--layers", "2x16", "--iters", "300", "--seed", "4", "--out", dir, "--json");
        Assert.Equal(0, train.ExitCode);
        var summary = train.Json;
        Assert.Equal("completed", summary["status"]!.GetValue<string>());
        Assert.Equal(300, summary["iterations"]!.GetValue<int>());
        double rel = summary["rel_l2"]!.GetValue<double>();
        Assert.InRange(rel, 0, 1);
        foreach (var file in new[] { "config.json", "metrics.csv", "checkpoint.json", "network.json", "summary.json" })
            Assert.True(File.Exists(Path.Combine(dir, file)), file);

        var eval = PinnCli.Run("eval", dir, "--json");
        Assert.Equal(0, eval.ExitCode);
        Assert.Equal(rel, eval.Json["rel_l2"]!.GetValue<double>(), 12);

        // Raise the budget in the saved config and resume: the run continues from step 300.
        string config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"iterations\": 300", "\"iterations\": 400"));
        var resumed = PinnCli.Run("train", "--resume", dir, "--json");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(400, resumed.Json["iterations"]!.GetValue<int>());
        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(rows.Distinct().Count(), rows.Count);
        Assert.Equal(400, rows[^1]);

        var again = PinnCli.Run("train", "poisson-1d", "--iters", "10", "--out", dir);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already holds a run", again.Stderr);
    }

    // 100 Adam steps and 30 L-BFGS iterations of a small Poisson 1D network, with the given L-BFGS options.
    private static (PinnCli.Result Result, string Dir) TrainWithLbfgs(params string[] lbfgsOptions)
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("pinn-cli-").FullName, "run");
        var r = PinnCli.Run(["train", "poisson-1d", "--model", "M1", "--layers", "2x12", "--iters", "100", "--lbfgs", "30",
            .. lbfgsOptions, "--out", dir, "--json"]);
        return (r, dir);
    }

    [Fact]
    public void LbfgsFlagsAddAnLbfgsPhaseAfterAdam()
    {
        var (r, dir) = TrainWithLbfgs("--lbfgs-points", "64", "--lbfgs-resample", "10", "--lbfgs-restart", "15", "--lbfgs-sampling", "residual");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(130, r.Json["iterations"]!.GetValue<int>());
        var lbfgs = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!["lbfgs"]!;
        Assert.Equal((30, 64, 10, 15, "residual"), ((int)lbfgs["iterations"]!, (int)lbfgs["points"]!, (int)lbfgs["resample"]!, (int)lbfgs["restart"]!, (string)lbfgs["sampling"]!));
    }

    [Fact]
    public void CausalTrainingIsRecordedInTheConfigTheMetricsAndTheSummary()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("pinn-cli-").FullName, "run");
        var r = PinnCli.Run("train", "allen-cahn", "--model", "DN", "--layers", "2x8", "--iters", "20", "--residual-points", "128",
            "--residual-batch", "64", "--causal-chunks", "8", "--causal-tol", "20", "--log-every", "10", "--eval-every", "20", "--out", dir, "--json");
        Assert.Equal(0, r.ExitCode);
        var causal = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!["causal"]!;
        Assert.Equal((8, 20.0), ((int)causal["chunks"]!, (double)causal["tolerance"]!));
        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.EndsWith(",causal_min_weight,causal_unweighted_residual_loss", rows[0]);
        var last = rows[^1].Split(',');
        double minWeight = double.Parse(last[^2], System.Globalization.CultureInfo.InvariantCulture);
        double unweighted = double.Parse(last[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(minWeight, 0, 1);
        Assert.Equal(minWeight, r.Json["causal_min_weight"]!.GetValue<double>(), 5);
        // The logged residual loss carries the weights (each ≤ 1), so it cannot exceed the unweighted one.
        double logged = double.Parse(last[Array.IndexOf(rows[0].Split(','), "loss_residual")], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(unweighted > 0 && logged <= unweighted * (1 + 1e-5), $"logged {logged}, unweighted {unweighted}");
    }

    [Fact]
    public void PeriodicInputsAreRecordedHoldThePeriodicConditionAndExport()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("pinn-cli-").FullName, "run");
        var r = PinnCli.Run("train", "allen-cahn", "--model", "DN", "--layers", "2x8", "--iters", "20", "--residual-points", "128",
            "--residual-batch", "64", "--periodic", "x", "--log-every", "5", "--eval-every", "20", "--out", dir, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        Assert.Equal(["x"], config["network"]!["periodic_inputs"]!.AsArray().Select(n => n!.GetValue<string>()));
        var network = PinnServe.Contracts.NetworkFile.Load(Path.Combine(dir, "network.json"));
        Assert.Equal([new PinnServe.Contracts.PeriodicInput("x", 2.0)], network.PeriodicInputs!);
        Assert.Equal(3, network.Layers[0].In);   // t, cos πx, sin πx

        // x = −1 and x = 1 are one point of the network's input space: the periodic term's loss is exactly zero.
        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        int bc = Array.IndexOf(rows[0].Split(','), "loss_bc");
        Assert.True(bc >= 0 && rows.Length > 3, rows[0]);
        Assert.All(rows.Skip(1), row => Assert.Equal(0.0, double.Parse(row.Split(',')[bc], System.Globalization.CultureInfo.InvariantCulture)));

        string onnx = Path.Combine(dir, "model.onnx");
        var export = PinnCli.Run("export", dir, "--out", onnx, "--fields", "u,u_x,u_xx");
        Assert.True(export.ExitCode == 0, export.Stderr);
        var bench = PinnCli.Run("bench", "export", dir, "--batches", "8", "--seconds", "0.02", "--ort-threads", "1", "--json");
        Assert.True(bench.ExitCode == 0, bench.Stderr);
    }

    [Fact]
    public void KeepBestLogsTheHeldOutLossAndReportsTheIterateItEndsOn()
    {
        var (r, dir) = TrainWithLbfgs("--lbfgs-points", "16", "--lbfgs-keep-best", "10", "--log-every", "10");
        Assert.Equal(0, r.ExitCode);
        var keep = r.Json["lbfgs_keep_best"]!;
        Assert.Equal(10, keep["every"]!.GetValue<int>());
        int bestStep = keep["best_step"]!.GetValue<int>();
        Assert.Contains(bestStep, new[] { 110, 120, 130 });
        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.EndsWith(",heldout_loss", rows[0]);
        var heldOut = rows.Skip(1).Select(l => l.Split(',')).Where(c => c[^1] != "")
            .ToDictionary(c => int.Parse(c[0]), c => double.Parse(c[^1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([110, 120, 130], heldOut.Keys.Order());
        Assert.Equal(heldOut.Values.Min(), keep["best_heldout_loss"]!.GetValue<double>(), 5);
        Assert.Equal(heldOut[bestStep], heldOut.Values.Min());
    }

    [Fact]
    public void AdamKeepBestLogsTheHeldOutLossAndReportsTheStepItEndsOn()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("pinn-cli-").FullName, "run");
        var r = PinnCli.Run("train", "poisson-1d", "--layers", "2x16", "--iters", "60", "--lr", "0.05", "--adam-keep-best", "10",
            "--log-every", "10", "--out", dir, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var keep = r.Json["adam_keep_best"]!;
        Assert.Equal(10, keep["every"]!.GetValue<int>());
        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        int column = Array.IndexOf(rows[0].Split(','), "adam_heldout_loss");
        Assert.True(column > 0, rows[0]);
        var heldOut = rows.Skip(1).Select(l => l.Split(',')).Where(c => c[column] != "")
            .ToDictionary(c => int.Parse(c[0]), c => double.Parse(c[column], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([10, 20, 30, 40, 50, 60], heldOut.Keys.Order());
        int bestStep = keep["best_step"]!.GetValue<int>();
        Assert.Equal(heldOut.MinBy(kv => kv.Value).Key, bestStep);
        Assert.Equal(heldOut.Values.Min(), keep["best_heldout_loss"]!.GetValue<double>(), 5);
        Assert.Equal(heldOut[60], keep["last_heldout_loss"]!.GetValue<double>(), 5);
        Assert.Contains($"keep-best: the Adam phase ended on step {bestStep} (held-out loss", r.Stdout);
    }

    [Fact]
    public void ProblemsListsTheCatalog()
    {
        var r = PinnCli.Run("problems", "--json");
        Assert.Equal(0, r.ExitCode);
        var names = r.Json["problems"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("klein-gordon", names);
        Assert.Contains("helmholtz", names);
        Assert.Contains("poisson-2d", names);
    }

    [Fact]
    public void BenchReportsTimingAllocationAndFlops()
    {
        var r = PinnCli.Run("bench", "train", "klein-gordon", "--model", "M3", "--layers", "2x16", "--warmup", "20", "--measure", "30", "--repeats", "1", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = r.Json;
        Assert.True(j["ms_per_iter"]!.GetValue<double>() > 0);
        Assert.True(j["flops_per_iter"]!.GetValue<long>() > 0);
        Assert.True(j["peak_gflops"]!.GetValue<double>() > 0);
        Assert.NotNull(j["allocated_bytes_per_iter"]);
    }
}
