using System.Collections.Concurrent;
using PinnServe.Api.Inference;
using PinnServe.Server.Models;
using PinnServe.Server.Services;

namespace PinnServe.Server.Inference;

/// <summary>
/// Triton's cumulative per-version statistics (ModelStatistics) of inference calls (ModelInfer over gRPC and REST):
/// successes and failures with their time, queue, input decoding, compute and output encoding time, and executions
/// by batch size. Interlocked counters, nothing allocated per call once a version and batch size have been seen.
/// </summary>
internal sealed class InferenceStatistics
{
    private readonly ConcurrentDictionary<(string Name, long Version), VersionCounters> _versions = new();

    public void Succeeded(ModelEntry entry, int points, in Evaluation evaluation, TimeSpan total, TimeSpan input, TimeSpan output)
    {
        var counters = For(entry.Name, entry.RepositoryVersion);
        counters.Success.Add(total);
        counters.Queue.Add(evaluation.Queue);
        counters.ComputeInput.Add(input);
        counters.ComputeInfer.Add(evaluation.Compute);
        counters.ComputeOutput.Add(output);
        Interlocked.Add(ref counters.InferenceCount, points);
        Interlocked.Exchange(ref counters.LastInferenceMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (!evaluation.ReportsExecution) return;
        Interlocked.Increment(ref counters.ExecutionCount);
        counters.Batches.GetOrAdd(evaluation.BatchPoints, static _ => new Duration()).Add(evaluation.Compute);
    }

    public void Failed(ModelEntry entry, TimeSpan total) => For(entry.Name, entry.RepositoryVersion).Fail.Add(total);

    public ModelStatistics Read(string name, long version)
    {
        var c = For(name, version);
        var statistics = new ModelStatistics
        {
            Name = name,
            Version = version.ToString(),
            LastInference = (ulong)Interlocked.Read(ref c.LastInferenceMs),
            InferenceCount = (ulong)Interlocked.Read(ref c.InferenceCount),
            ExecutionCount = (ulong)Interlocked.Read(ref c.ExecutionCount),
            InferenceStats = new InferStatistics
            {
                Success = c.Success.Read(), Fail = c.Fail.Read(), Queue = c.Queue.Read(),
                ComputeInput = c.ComputeInput.Read(), ComputeInfer = c.ComputeInfer.Read(), ComputeOutput = c.ComputeOutput.Read(),
                CacheHit = new StatisticDuration(), CacheMiss = new StatisticDuration(),
            },
        };
        foreach (var (size, duration) in c.Batches.OrderBy(b => b.Key))
            statistics.BatchStats.Add(new InferBatchStatistics
            {
                BatchSize = (ulong)size, ComputeInfer = duration.Read(),
                ComputeInput = new StatisticDuration { Count = duration.Read().Count }, ComputeOutput = new StatisticDuration { Count = duration.Read().Count },
            });
        return statistics;
    }

    private VersionCounters For(string name, long version) => _versions.GetOrAdd((name, version), static _ => new VersionCounters());

    private sealed class VersionCounters
    {
        public readonly Duration Success = new(), Fail = new(), Queue = new(), ComputeInput = new(), ComputeInfer = new(), ComputeOutput = new();
        public readonly ConcurrentDictionary<int, Duration> Batches = new();
        public long InferenceCount, ExecutionCount, LastInferenceMs;
    }

    /// <summary>A count and a total in nanoseconds.</summary>
    private sealed class Duration
    {
        private long _count, _nanoseconds;

        public void Add(TimeSpan elapsed)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _nanoseconds, (long)(elapsed.Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond)));
        }

        public StatisticDuration Read() => new() { Count = (ulong)Interlocked.Read(ref _count), Ns = (ulong)Interlocked.Read(ref _nanoseconds) };
    }
}
