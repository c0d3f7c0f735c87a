using System.CommandLine;
using PinnServe.Server;
using PinnServe.Server.Batching;
using PinnServe.Server.Models;

namespace PinnServe.Cli.Commands;

/// <summary>
/// The options of `pinn serve` that operations teams expect of a model server: metrics endpoint, version policy,
/// model control, dynamic batching, reload poll (docs/server.md, docs/deploy.md).
/// </summary>
internal sealed class ServeOperationOptions
{
    private static readonly BatchingOptions Defaults = new();
    /// <summary>The batcher's own bound (BatchingOptions.Validate: 1 s).</summary>
    private const int MaxBatchDelayMs = 1000;

    private readonly Option<string> _metricsAddress = new("--metrics-address") { Description = "Serve Prometheus text at http://IP:port/metrics (HTTP/1.1, its own port); off by default." };
    private readonly Option<string> _httpAddress = new("--http-address") { Description = "Serve the Open Inference Protocol over HTTP/REST (/v2/...) at IP:port (HTTP/1.1, its own port; Triton uses 8000); off by default." };
    private readonly Option<string> _versionPolicy = new("--version-policy") { Description = "Versions of NAME/VERSION/model.onnx served: latest, latest:N, specific:1,3 or all (a model's version_policy file overrides it).", DefaultValueFactory = _ => "latest" };
    private readonly Option<bool> _modelControl = new("--model-control") { Description = "Allow the LoadModel and UnloadModel RPCs." };
    private readonly Option<bool> _noBatching = new("--no-batching") { Description = "Evaluate every query on its own (no merging of small concurrent queries)." };
    private readonly Option<double> _batchDelay = new("--batch-delay") { Description = "Longest wait, in ms, of a small query for the running batch before its own is sent.", DefaultValueFactory = _ => Defaults.MaxDelay.TotalMilliseconds };
    private readonly Option<int> _batchPoints = new("--batch-max-points") { Description = "Points per merged ONNX Runtime call.", DefaultValueFactory = _ => Defaults.MaxBatchPoints };
    private readonly Option<int> _batchRequestPoints = new("--batch-max-request-points") { Description = "Largest query (in points) that is merged with others.", DefaultValueFactory = _ => Defaults.MaxRequestPoints };
    private readonly Option<double> _reloadPoll = new("--reload-poll") { Description = "Seconds between rescans of the model directory (file events may not reach network file systems).", DefaultValueFactory = _ => 10 };

    public IEnumerable<Option> All => [_httpAddress, _metricsAddress, _versionPolicy, _modelControl, _noBatching, _batchDelay, _batchPoints, _batchRequestPoints, _reloadPoll];

    /// <summary>The options on top of <paramref name="options"/>; a bad value is a <see cref="UsageException"/> naming it.</summary>
    public PinnServerOptions Apply(ParseResult parse, PinnServerOptions options)
    {
        string? metrics = parse.GetValue(_metricsAddress), http = parse.GetValue(_httpAddress);
        foreach (var (flag, address) in new[] { ("--metrics-address", metrics), ("--http-address", http) })
        {
            if (address is null) continue;
            try { PinnServer.ParseEndpoint(address); }
            catch (ArgumentException e) { throw new UsageException($"{flag}: {e.Message}"); }
        }
        VersionPolicy policy;
        try { policy = VersionPolicy.Parse(parse.GetValue(_versionPolicy)!); }
        catch (FormatException e) { throw new UsageException($"--version-policy: {e.Message}"); }
        double delay = parse.GetValue(_batchDelay), poll = parse.GetValue(_reloadPoll);
        if (!(poll >= 0.1 && poll <= 86_400)) throw new UsageException($"--reload-poll must be between 0.1 and 86400 seconds, got {poll}.");
        // Checked before it becomes a TimeSpan, which overflows (and crashed) beyond about 9.2e14 ms.
        if (!(delay >= 0 && delay <= MaxBatchDelayMs)) throw new UsageException($"--batch-delay must be between 0 and {MaxBatchDelayMs} ms, got {delay}.");
        var batching = new BatchingOptions
        {
            Enabled = !parse.GetValue(_noBatching),
            MaxDelay = TimeSpan.FromMilliseconds(delay),
            MaxBatchPoints = parse.GetValue(_batchPoints),
            MaxRequestPoints = parse.GetValue(_batchRequestPoints),
        };
        try { batching.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"--batch-*: {e.Message}"); }
        return options with
        {
            MetricsAddress = metrics,
            HttpAddress = http,
            VersionPolicy = policy,
            AllowModelControl = parse.GetValue(_modelControl),
            Batching = batching,
            ReloadPollInterval = TimeSpan.FromSeconds(poll),
        };
    }
}
