using System.Collections.Concurrent;
using System.Diagnostics;

namespace PinnServe.Autodiff;

/// <summary>Time spent per node kind, forward and backward, summed over threads (for profiling a training step).</summary>
public sealed class TapeProfile
{
    private readonly ConcurrentDictionary<(string Kind, bool Forward), long> _ticks = new();

    internal void Add(object node, bool forward, long startTimestamp)
    {
        long elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        string kind = node.GetType().Name;
        int tick = kind.IndexOf('`');
        _ticks.AddOrUpdate((tick > 0 ? kind[..tick] : kind, forward), elapsed, (_, v) => v + elapsed);
    }

    /// <summary>(node kind, direction, seconds) from the most to the least expensive.</summary>
    public IReadOnlyList<(string Kind, string Direction, double Seconds)> Totals() =>
        _ticks.Select(kv => (kv.Key.Kind, kv.Key.Forward ? "forward" : "backward", kv.Value / (double)Stopwatch.Frequency))
              .OrderByDescending(t => t.Item3).ToList();
}
