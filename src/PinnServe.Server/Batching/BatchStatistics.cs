using System.Diagnostics;

namespace PinnServe.Server.Batching;

/// <summary>
/// Running totals of a server's merged evaluations, for benchmarks and profiling (`pinn bench-serve` prints
/// them): a few interlocked additions per batch, nothing per call.
/// </summary>
public sealed class BatchStatistics
{
    private long _batches, _calls, _points, _queueTicks, _computeTicks, _splitTicks;

    internal void Add(int calls, int points, long queueTicks, long computeTicks, long splitTicks)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _calls, calls);
        Interlocked.Add(ref _points, points);
        Interlocked.Add(ref _queueTicks, queueTicks);
        Interlocked.Add(ref _computeTicks, computeTicks);
        Interlocked.Add(ref _splitTicks, splitTicks);
    }

    public BatchTotals Read() => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _calls), Interlocked.Read(ref _points),
        Seconds(Interlocked.Read(ref _queueTicks)), Seconds(Interlocked.Read(ref _computeTicks)), Seconds(Interlocked.Read(ref _splitTicks)));

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}

/// <summary>Totals since the server started; subtract two readings for an interval.</summary>
/// <param name="QueueSeconds">Summed over calls: arrival until their batch started.</param>
/// <param name="ComputeSeconds">Summed over batches: the merged model evaluation (copying the points in included).</param>
/// <param name="SplitSeconds">Summed over batches: copying each call's values out and completing its task.</param>
public readonly record struct BatchTotals(long Batches, long Calls, long Points, double QueueSeconds, double ComputeSeconds, double SplitSeconds)
{
    public static BatchTotals operator -(BatchTotals a, BatchTotals b) => new(a.Batches - b.Batches, a.Calls - b.Calls, a.Points - b.Points,
        a.QueueSeconds - b.QueueSeconds, a.ComputeSeconds - b.ComputeSeconds, a.SplitSeconds - b.SplitSeconds);
}
