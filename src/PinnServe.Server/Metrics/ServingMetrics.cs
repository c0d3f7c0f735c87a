using System.Collections.Concurrent;
using Prometheus;
using PinnServe.Server.Batching;
using PinnServe.Server.Models;

namespace PinnServe.Server.Metrics;

/// <summary>
/// The server's Prometheus metrics (prometheus-net), in a registry of their own so that several servers in one
/// process (tests, benchmarks) do not share counters. Names and labels are listed in docs/deploy.md.
/// </summary>
public sealed class ServingMetrics
{
    /// <summary>Label value for model names that are not served: request text never becomes a label.</summary>
    public const string UnknownModel = "_unknown";

    private readonly Counter _requests;
    private readonly Counter _points;
    private readonly Histogram _queue;
    private readonly Histogram _compute;
    private readonly Histogram _batchPoints;
    private readonly Gauge _models;
    private readonly Gauge _sessions;
    // Labelled series looked up once: prometheus-net's WithLabels allocates and hashes its label array on every call,
    // which a 1-point query would pay five times. The keys are bounded like the labels (served names, fixed methods).
    private readonly ConcurrentDictionary<(string, string, string), Counter.Child> _requestSeries = new();
    private readonly ConcurrentDictionary<(string, string), Counter.Child> _pointSeries = new();
    private readonly ConcurrentDictionary<(string, string), Histogram.Child> _computeSeries = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _queueSeries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram.Child> _batchPointSeries = new(StringComparer.Ordinal);

    static ServingMetrics()
    {
        // prometheus-net's default registry, which PinnServe never exports, would otherwise subscribe to every .NET
        // Meter and EventCounter of the process (Kestrel's and HttpClient's per-request instruments included): work
        // on every call for figures nobody reads.
        Prometheus.Metrics.SuppressDefaultMetrics();
    }

    /// <summary>
    /// 25 µs .. 52 s, doubling: a one-point query is tens of microseconds, a streamed chunk tens of milliseconds, and a
    /// 2²⁰-point ModelInfer or a chunk on a loaded machine seconds; none of them should land in +Inf.
    /// </summary>
    internal static readonly double[] SecondsBuckets = Histogram.ExponentialBuckets(25e-6, 2, 22);

    internal ServingMetrics(ModelRegistry registry)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        // No trace-context exemplars: nothing here traces, and looking for a trace costs on every observation.
        factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = static (_, _) => Exemplar.None };
        _requests = factory.CreateCounter("pinnserve_requests_total", "Finished gRPC calls by method, model and status code.", ["method", "model", "status"]);
        _points = factory.CreateCounter("pinnserve_points_total", "Points evaluated.", ["method", "model"]);
        var seconds = new HistogramConfiguration { Buckets = SecondsBuckets };
        _queue = factory.CreateHistogram("pinnserve_queue_seconds", "Time a query waited for its batch to start (0 when evaluated alone).", ["model"], seconds);
        _compute = factory.CreateHistogram("pinnserve_compute_seconds", "ONNX Runtime time of one evaluation (a merged batch counts once).", ["method", "model"], seconds);
        _batchPoints = factory.CreateHistogram("pinnserve_batch_points", "Points per merged ONNX Runtime call.", ["model"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 14) });
        _models = factory.CreateGauge("pinnserve_models", "Model versions in the repository by state (a failed version counts even while others of its model serve).", ["state"]);
        RuntimeMetrics.Register(Registry);
        _sessions = factory.CreateGauge("pinnserve_onnxruntime_sessions", "Open ONNX Runtime sessions (one per served model version).");
        // Gauges are read from the registry at scrape time, so they can never drift from it.
        Registry.AddBeforeCollectCallback(() =>
        {
            var versions = registry.Entries.SelectMany(e => e.Unloaded ? [e] : registry.Versions(e.Name)).ToArray();
            _models.WithLabels("serving").Set(versions.Count(e => e.Status == Api.V1.ModelStatus.Serving));
            _models.WithLabels("failed").Set(versions.Count(e => e.Status == Api.V1.ModelStatus.Failed));
            _models.WithLabels("unloaded").Set(versions.Count(e => e.Status == Api.V1.ModelStatus.Unloaded));
            _sessions.Set(registry.LoadedCount);
        });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>One finished call; <paramref name="model"/> must already be a served name or <see cref="UnknownModel"/>.</summary>
    public void Request(string method, string model, string status) =>
        _requestSeries.GetOrAdd((method, model, status), static (k, c) => c.WithLabels(k.Item1, k.Item2, k.Item3), _requests).Inc();

    private Counter.Child Points(string method, string model) =>
        _pointSeries.GetOrAdd((method, model), static (k, c) => c.WithLabels(k.Item1, k.Item2), _points);

    private Histogram.Child Compute(string method, string model) =>
        _computeSeries.GetOrAdd((method, model), static (k, h) => h.WithLabels(k.Item1, k.Item2), _compute);

    private Histogram.Child Queue(string model) => _queueSeries.GetOrAdd(model, static (k, h) => h.WithLabels(k), _queue);

    /// <summary>A call evaluated on its own.</summary>
    public void Evaluated(string method, string model, long points, TimeSpan compute)
    {
        Points(method, model).Inc(points);
        Compute(method, model).Observe(compute.TotalSeconds);
        Queue(model).Observe(0);
    }

    /// <summary>A call answered from a merged batch: its own points and wait; the batch's compute and size once per batch.</summary>
    public void Batched(string method, string model, int points, in BatchResult result)
    {
        Points(method, model).Inc(points);
        Queue(model).Observe(result.QueueTime.TotalSeconds);
        // Every call of a batch sees the same result; the first of them (by its offset) reports the batch.
        if (result.FirstInBatch)
        {
            Compute(method, model).Observe(result.ComputeTime.TotalSeconds);
            _batchPointSeries.GetOrAdd(model, static (k, h) => h.WithLabels(k), _batchPoints).Observe(result.BatchPoints);
        }
    }

    /// <summary>Points of a streamed or validation call, counted as they are evaluated.</summary>
    public void Streamed(string method, string model, long points, TimeSpan compute)
    {
        Points(method, model).Inc(points);
        Compute(method, model).Observe(compute.TotalSeconds);
    }
}
