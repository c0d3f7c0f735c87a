using PinnServe.Server;
using System.Text.RegularExpressions;

namespace PinnServe.Cli.Tests;

/// <summary>`pinn serve`'s model-server options: bad values exit 2 naming them; the deployment files use only real flags.</summary>
public class ServeOperationOptionsTests
{
    [Theory]
    [InlineData("--version-policy", "newest", "--version-policy: Version policy 'newest'")]
    [InlineData("--metrics-address", "localhost:9464", "--metrics-address: Address 'localhost:9464'")]
    [InlineData("--batch-delay", "-1", "--batch-delay must be between 0 and 1000 ms, got -1")]
    [InlineData("--batch-delay", "1e15", "--batch-delay must be between 0 and 1000 ms, got 1000000000000000")]
    [InlineData("--batch-delay", "NaN", "--batch-delay must be between 0 and 1000 ms, got NaN")]
    [InlineData("--threads", "100000", "--threads must be between 0 and 256 (0: one per core), got 100000")]
    [InlineData("--threads", "-1", "--threads must be between 0 and 256 (0: one per core), got -1")]
    [InlineData("--http-address", "localhost:8000", "--http-address: Address 'localhost:8000'")]
    [InlineData("--batch-max-points", "8", "a batch (8 points) must hold at least one batched request (64 points)")]
    [InlineData("--reload-poll", "0", "--reload-poll must be between 0.1 and 86400 seconds, got 0")]
    public void Bad_values_exit_2_naming_them(string option, string value, string message)
    {
        var result = PinnCli.Run("serve", "--models", ModelsDirectory(), option, value, "--json");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr + result.Stdout);
    }

    [Fact]
    public void Every_flag_the_kubernetes_deployment_passes_is_a_flag_of_pinn_serve()
    {
        var help = PinnCli.Run("serve", "--help");
        Assert.Equal(0, help.ExitCode);
        var flags = Regex.Matches(help.Stdout, @"(?<=\s)--[a-z][a-z-]*").Select(m => m.Value).ToHashSet();
        Assert.Contains("--metrics-address", flags);
        string manifest = File.ReadAllText(Path.Combine(Repository(), "deploy", "kubernetes", "pinnserve.yaml"));
        var used = Regex.Matches(manifest, @"^\s*- (--[a-z][a-z-]*)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        Assert.True(used.Length >= 5, $"found only {used.Length} flags in the manifest");
        Assert.All(used, flag => Assert.Contains(flag, flags));
    }

    [Fact]
    public void Bench_serve_concurrency_mode_reports_both_comparisons_as_json()
    {
        var result = PinnCli.Run("bench-serve", ModelsDirectory(), "--model", "burgers-dn", "--concurrency", "4", "--concurrent-calls", "100", "--points", "2500",
            "--warmup-seconds", "0", "--connections", "2", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = result.Json;
        Assert.Equal("burgers-dn", (string?)json["model"]);
        Assert.Equal("in-process", (string?)json["server"]);
        Assert.Equal(2, (int)json["connections"]!);
        Assert.Equal(100, (int)json["batched"]!["calls"]!);
        Assert.Equal(100, (int)json["floor"]!["calls"]!);
        Assert.True((double)json["unbatched"]!["calls_per_s"]! > 0 && (double)json["batching_speedup"]! > 0);
        Assert.True((double)json["floor"]!["calls_per_s"]! > 0 && (double)json["speedup_bound_from_floor"]! > 0);
        Assert.True((double)json["batched"]!["cpu_us_per_call"]! > 0 && (double)json["batched"]!["bytes_per_call"]! > 0);
        // The in-process batcher's totals: the batched calls (warm-up of 50 per client excluded) went through batches.
        Assert.True((long)json["batched"]!["batches"]! >= 1 && (double)json["batched"]!["calls_per_batch"]! >= 1);
        Assert.Equal(0, (long)json["unbatched"]!["batches"]!);
        Assert.Null(json["batched"]!["server_cpu_us_per_call"]);
        Assert.True((double)json["model_infer_points_per_s"]! > 0 && (double)json["stream_points_per_s"]! > 0);
        Assert.Equal(2500, (long)json["points"]!);

        var bad = PinnCli.Run("bench-serve", ModelsDirectory(), "--concurrency", "-1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--concurrency must be between 0 and 10000, got -1", bad.Stderr);
    }

    [Fact]
    public async Task Bench_serve_loads_a_server_in_another_process_and_reads_its_cpu_time()
    {
        // This test process is the server; bench-serve runs as its own process against it.
        await using var server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = ModelsDirectory(),
            Address = "127.0.0.1:0",
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        string target = $"127.0.0.1:{server.Port}";
        var result = PinnCli.Run("bench-serve", ModelsDirectory(), "--model", "burgers-dn", "--concurrency", "4", "--concurrent-calls", "100", "--points", "2500",
            "--warmup-seconds", "0", "--target", target, "--server-pid", Environment.ProcessId.ToString(), "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = result.Json;
        Assert.Equal(target, (string?)json["server"]);
        Assert.Equal(100, (int)json["floor"]!["calls"]!);
        Assert.True((double)json["unbatched"]!["server_cpu_us_per_call"]! > 0);
        Assert.Equal(0, (long)json["batched"]!["batches"]!); // the batcher is not in bench-serve's process
        Assert.True(server.BatchStatistics.Read().Calls >= 100); // it is in this one

        foreach (var (args, message) in new[]
        {
            (new[] { "--concurrency", "4", "--target", "127.0.0.1:99999" }, "--target: port '99999' in '127.0.0.1:99999' is not a whole number from 1 to 65535"),
            (new[] { "--concurrency", "4", "--server-pid", "1" }, "--server-pid needs --target"),
            (new[] { "--concurrency", "4", "--connections", "0" }, "--connections must be between 1 and 64, got 0"),
            (new[] { "--concurrency", "4", "--warmup-seconds", "-1" }, "--warmup-seconds must be between 0 and 600, got -1"),
        })
        {
            var bad = PinnCli.Run(["bench-serve", ModelsDirectory(), .. args]);
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains(message, bad.Stderr);
        }
    }

    private static string ModelsDirectory() => Path.Combine(Repository(), "models");

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PinnServe.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("PinnServe.sln not found above the test output directory.");
    }
}
