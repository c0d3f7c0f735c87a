using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Server.Batching;
using PinnServe.Server.Metrics;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Metrics;

/// <summary>The Prometheus text the metrics produce, read back line by line.</summary>
public sealed class ServingMetricsTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("metrics");

    private static async Task<string> Scrape(ServingMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Counts_histograms_and_model_gauges_appear_in_the_exposition()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 1);
        File.WriteAllText(Path.Combine(_directory, "broken.onnx"), "no");
        using var registry = new ModelRegistry(_directory, OnnxBackend.Load, NullLogger.Instance, TimeSpan.FromMilliseconds(50));
        registry.Rescan();
        var metrics = new ServingMetrics(registry);

        metrics.Request("Query", "cavity", "OK");
        metrics.Request("Query", "cavity", "OK");
        metrics.Request("Query", ServingMetrics.UnknownModel, "NOT_FOUND");
        metrics.Evaluated("Query", "cavity", 1000, TimeSpan.FromMilliseconds(3));
        var batch = new BatchResult([], TimeSpan.FromMilliseconds(0.5), TimeSpan.FromMilliseconds(0.2), 2, 7, FirstInBatch: true);
        metrics.Batched("Query", "cavity", 3, batch);
        metrics.Batched("Query", "cavity", 4, batch with { FirstInBatch = false });
        string text = await Scrape(metrics);

        Assert.Contains("pinnserve_requests_total{method=\"Query\",model=\"cavity\",status=\"OK\"} 2", text);
        Assert.Contains("pinnserve_requests_total{method=\"Query\",model=\"_unknown\",status=\"NOT_FOUND\"} 1", text);
        Assert.Contains("pinnserve_points_total{method=\"Query\",model=\"cavity\"} 1007", text);
        Assert.Contains("pinnserve_queue_seconds_count{model=\"cavity\"} 3", text);
        Assert.Contains("pinnserve_compute_seconds_count{method=\"Query\",model=\"cavity\"} 2", text); // one alone, one batch
        Assert.Contains("pinnserve_batch_points_sum{model=\"cavity\"} 7", text);
        Assert.Contains("pinnserve_models{state=\"serving\"} 1", text);
        Assert.Contains("pinnserve_models{state=\"failed\"} 1", text);
        Assert.Contains("pinnserve_models{state=\"unloaded\"} 0", text);
        Assert.Contains("pinnserve_onnxruntime_sessions 1", text);

        // Gauges follow the registry at scrape time.
        registry.Unload("cavity");
        text = await Scrape(metrics);
        Assert.Contains("pinnserve_models{state=\"unloaded\"} 1", text);
        Assert.Contains("pinnserve_onnxruntime_sessions 0", text);
    }

    [Fact]
    public async Task A_compute_of_several_seconds_lands_in_a_finite_bucket()
    {
        using var registry = new ModelRegistry(_directory, OnnxBackend.Load, NullLogger.Instance, TimeSpan.FromMilliseconds(50));
        var metrics = new ServingMetrics(registry);
        metrics.Streamed("QueryStream", "cavity", 1_000_000, TimeSpan.FromSeconds(5));
        string text = await Scrape(metrics);
        // The first finite bucket at or above 5 s already holds the observation.
        var buckets = System.Text.RegularExpressions.Regex.Matches(text, "pinnserve_compute_seconds_bucket\\{method=\"QueryStream\",model=\"cavity\",le=\"([0-9.eE+-]+)\"\\} ([0-9]+)")
            .Select(m => (Le: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Count: int.Parse(m.Groups[2].Value))).ToArray();
        Assert.NotEmpty(buckets);
        Assert.Contains(buckets, b => b.Le >= 5 && b.Le < 60 && b.Count == 1);
        Assert.True(ServingMetrics.SecondsBuckets[^1] >= 30, $"largest bucket {ServingMetrics.SecondsBuckets[^1]} s");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
