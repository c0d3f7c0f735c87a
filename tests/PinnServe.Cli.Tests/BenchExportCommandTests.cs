namespace PinnServe.Cli.Tests;

/// <summary>`pinn bench export RUN_DIR`: ONNX Runtime vs engine throughput, on a tiny trained run.</summary>
public class BenchExportCommandTests
{
    [Fact]
    public void Reports_onnx_runtime_and_engine_points_per_second_for_both_field_sets()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("pinn-bench-export-").FullName, "run");
        var train = PinnCli.Run("train", "poisson-1d", "--model", "M1", "--layers", "2x8", "--iters", "20", "--out", dir, "--json");
        Assert.Equal(0, train.ExitCode);

        var bench = PinnCli.Run("bench", "export", dir, "--batches", "1,64", "--seconds", "0.02", "--ort-threads", "1", "--json");
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        var results = bench.Json["results"]!.AsArray();
        Assert.Equal(4, results.Count); // {values, second-derivatives} × {1, 64}
        foreach (var row in results)
        {
            Assert.True(row!["ort_threads_1_points_per_s"]!.GetValue<double>() > 0);
            Assert.True(row["engine_points_per_s"]!.GetValue<double>() > 0);
        }
        Assert.Equal(["u", "u_x", "u_xx"], bench.Json["field_sets"]!["second-derivatives"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Theory]
    [InlineData("'0' is not a whole number between 1", "--batches", "0")]
    [InlineData("--seconds must be positive", "--seconds", "-1")]
    public void Bad_arguments_exit_with_code_2_and_name_the_value(string expected, string option, string value)
    {
        var r = PinnCli.Run("bench", "export", Path.GetTempPath(), option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void A_directory_without_a_network_is_refused()
    {
        var r = PinnCli.Run("bench", "export", Directory.CreateTempSubdirectory("pinn-not-a-run-").FullName);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("has no network.json", r.Stderr);
    }
}
