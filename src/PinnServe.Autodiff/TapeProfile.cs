using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PinnServe.Autodiff;

/// <summary>
/// Time and FLOPs per node kind, forward and backward, summed over threads (for profiling a training step): the
/// FLOP rate of each kind inside the trainer, to set against the kernels' isolated rates (benchmarks/kernels).
/// </summary>
public sealed class TapeProfile(bool byShape = false)
{
    private readonly ConcurrentDictionary<(string Kind, bool Forward), (long Ticks, long Flops, long Calls)> _totals = new();
    // A node's FLOP count is computed once (some kinds count them from their plans).
    private readonly ConcurrentDictionary<(object Node, bool Forward), (string Kind, long Flops)> _nodes = new();

    /// <summary>
    /// The calling thread's CPU time in <see cref="Stopwatch"/> ticks where the OS gives it (Linux), else wall time:
    /// on a shared machine a node's wall time includes the time other processes held its core.
    /// </summary>
    public static long Timestamp()
    {
        if (ThreadClock.Available && ThreadClock.clock_gettime(ThreadClock.ThreadCpuTime, out var t) == 0)
            return (long)((t.Seconds * 1_000_000_000L + t.Nanoseconds) * (Stopwatch.Frequency / 1e9));
        return Stopwatch.GetTimestamp();
    }

    internal void Add<T>(Node<T> node, bool forward, long startTimestamp) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        long elapsed = Timestamp() - startTimestamp;
        // No closures: profiling a step should not allocate per node.
        var (kind, flops) = _nodes.GetOrAdd((node, forward), static (key, byShape) =>
        {
            var n = (Node<T>)key.Node;
            return (KindOf(n, byShape), key.Forward ? n.ForwardFlops : n.BackwardFlops);
        }, byShape);
        _totals.AddOrUpdate((kind, forward), static (_, add) => add, static (_, v, add) => (v.Ticks + add.Ticks, v.Flops + add.Flops, v.Calls + 1), (Ticks: elapsed, Flops: flops, Calls: 1L));
    }

    private static string KindOf<T>(Node<T> node, bool byShape) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string kind = node.GetType().Name;
        int tick = kind.IndexOf('`');
        if (tick > 0) kind = kind[..tick];
        // With shapes: a jet node's rows (components × points) and width, and for a layer its input width too.
        if (byShape && node is Nodes.JetNode<T> jet)
            kind += node is Nodes.JetLinearNode<T> linear ? $" {jet.Rows}x{linear.Input.Width}x{jet.Width}" : $" {jet.Rows}x{jet.Width}";
        return kind;
    }

    /// <summary>(node kind, direction, seconds, FLOPs, calls) from the most to the least expensive.</summary>
    public IReadOnlyList<(string Kind, string Direction, double Seconds, long Flops, long Calls)> Totals() =>
        _totals.Select(kv => (kv.Key.Kind, kv.Key.Forward ? "forward" : "backward", kv.Value.Ticks / (double)Stopwatch.Frequency, kv.Value.Flops, kv.Value.Calls))
               .OrderByDescending(t => t.Item3).ToList();

    private static class ThreadClock
    {
        public const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
        public static readonly bool Available = OperatingSystem.IsLinux() && Probe();

        [StructLayout(LayoutKind.Sequential)]
        public struct TimeSpec { public long Seconds, Nanoseconds; }

        [DllImport("libc", SetLastError = false)]
        public static extern int clock_gettime(int clock, out TimeSpec time);

        private static bool Probe()
        {
            try { return clock_gettime(ThreadCpuTime, out _) == 0; }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
        }
    }
}
