using PinnServe.Engine.Compilation;

namespace PinnServe.Engine.Backends;

/// <summary>The engine's own vectorized kernels on every CPU core.</summary>
public sealed class CpuBackend : IComputeBackend
{
    public static readonly CpuBackend Instance = new();
    public string Name => "cpu";

    /// <summary>
    /// Whether the slices of a shape that has more slices than threads run on one twin tape per thread
    /// (<see cref="SliceOnTwin{T}"/>: their large buffers stay in cache). On by default; off only to compare (same bits).
    /// </summary>
    public bool SharedSliceBuffers { get; init; } = true;

    public bool IsAvailable(out string reason)
    {
        reason = "";
        return true;
    }

    public ITermExecutor<T> CreateExecutor<T>(IReadOnlyList<CompiledTerm<T>> terms, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => new CpuTermExecutor<T>(terms, threads, SharedSliceBuffers);
}

/// <summary>
/// Runs all shards of all terms on a fixed set of threads. Threads take shards one at a time from a shared
/// counter (largest first), so one big residual term keeps every core busy; a shard is computed the same way
/// whichever thread takes it, and each term's reduction adds its shards in a fixed order afterwards, so results
/// are bit-identical for any thread count. Where one shape (piece and point count) has more shards than there are
/// threads, each thread runs its shards of that shape on its own twin tape (<see cref="SliceOnTwin{T}"/>), so a
/// step's working set is a few shards' buffers instead of all of them (7–15% less time per step on Allen–Cahn, see
/// docs/benchmarks.md). Where the terms' gradient reductions are large (Allen–Cahn: 19 shards of 66,561 parameters),
/// every thread then sums ranges of θ (<see cref="CompiledTerm{T}.ReduceGradient"/>: each element the same sum in the
/// same shard order, whichever thread takes its range). The stepping thread starts on the shards at once and releases
/// each worker through its own semaphore, so a worker that wakes late costs only the shards it did not take, not a
/// wait at a start barrier; one barrier crossing per step after the shards (two with the parallel reduction), no allocation.
/// </summary>
internal sealed class CpuTermExecutor<T> : ITermExecutor<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly CompiledTerm<T>[] _terms;
    private readonly WorkItem[] _items;
    private readonly Barrier? _barrier;
    // One per worker: released once per step by the stepping thread, which does not wait for the workers to start.
    private readonly SemaphoreSlim[] _starts;
    private readonly Thread[] _workers;
    private int _next;
    // The gradient reductions as ranges of θ, taken one at a time by every thread after the shards, where the step's
    // reduction is large enough to pay for a third barrier crossing; otherwise the stepping thread reduces alone.
    private readonly ReduceRange[] _reduceRanges;
    private readonly bool _parallelReduce;
    private int _nextRange;
    private volatile bool _stopping;
    private Exception? _workerError;

    /// <summary>A shard: its own tape, or (shared buffers) one run per thread on that thread's twin.</summary>
    private sealed record WorkItem(Autodiff.Tape<T> Tape, SliceOnTwin<T>[]? OnTwin);

    /// <summary>θ's entries [Start, Start + Length) of one term's gradient sum.</summary>
    private readonly record struct ReduceRange(CompiledTerm<T> Term, int Start, int Length);

    /// <summary>
    /// Elements (shards × parameters, summed over the terms) from which the threads share the reduction: ≈ 150 µs of
    /// summing on one core, against a barrier crossing of 10–100 µs. Klein–Gordon M1 (4 × 10,401) and cavity M4 stay
    /// below it; Allen–Cahn DN (≈ 1.4 M) is above.
    /// </summary>
    internal const long ParallelReduceElements = 256 * 1024;

    /// <summary>Elements per range a thread takes: 8 chunks of <see cref="CompiledTerm{T}.ReduceChunk"/> (64 KB of float32 sum).</summary>
    private const int RangeLength = 8 * CompiledTerm<T>.ReduceChunk;

    public CpuTermExecutor(IReadOnlyList<CompiledTerm<T>> terms, int threads, bool sharedBuffers = true)
    {
        _terms = terms.ToArray();
        Threads = Math.Clamp(threads, 1, Math.Max(1, _terms.Sum(t => t.Shards.Count)));
        _items = _terms.SelectMany(t => Items(t, Threads, sharedBuffers))
            .OrderByDescending(item => item.Tape.ForwardFlops + item.Tape.BackwardFlops).ToArray();
        _reduceRanges = _terms.SelectMany(t => Enumerable.Range(0, (t.ReducedLength + RangeLength - 1) / RangeLength)
            .Select(r => new ReduceRange(t, r * RangeLength, Math.Min(RangeLength, t.ReducedLength - r * RangeLength)))).ToArray();
        _parallelReduce = Threads > 1 && _terms.Sum(t => (long)t.ReducedLength * t.Shards.Count) >= ParallelReduceElements;
        _workers = new Thread[Threads - 1];
        _starts = new SemaphoreSlim[Threads - 1];
        if (Threads > 1)
        {
            _barrier = new Barrier(Threads);
            for (int w = 0; w < _workers.Length; w++)
            {
                int id = w + 1;
                _starts[w] = new SemaphoreSlim(0);
                _workers[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"pinn-shards-{id}" };
                _workers[w].Start();
            }
        }
    }

    // A shape (piece and point count) with more slices than threads gets one twin per thread; the others run on their
    // own tapes (with as many threads as slices, sharing would save nothing).
    private static IEnumerable<WorkItem> Items(CompiledTerm<T> term, int threads, bool sharedBuffers)
    {
        var slices = term.Slices.ToArray();
        var shapes = slices.GroupBy(s => (s.Piece, s.Slice.Count)).ToDictionary(g => g.Key, g => g.Count());
        var twins = new Dictionary<(int, int), CompiledSlice<T>[]>();
        foreach (var (piece, slice) in slices)
        {
            var shape = (piece, slice.Count);
            if (!sharedBuffers || slice.CompileTwin is null || shapes[shape] <= threads) { yield return new WorkItem(slice.Tape, null); continue; }
            if (!twins.TryGetValue(shape, out var perThread))
                twins[shape] = perThread = Enumerable.Range(0, threads).Select(_ => slice.CompileTwin()).ToArray();
            yield return new WorkItem(slice.Tape, perThread.Select(twin => new SliceOnTwin<T>(slice, twin)).ToArray());
        }
    }

    public int Threads { get; }

    public void Run()
    {
        _next = 0;
        _nextRange = 0;
        if (_barrier is null) RunShards(0);
        else
        {
            // The counters above are reset before the release (a full fence), and no worker touches them until released.
            foreach (var start in _starts) start.Release();
            RunShards(0);
            _barrier.SignalAndWait();   // shards done
            if (_parallelReduce)
            {
                if (_workerError is null) ReduceRanges();
                _barrier.SignalAndWait();   // reductions done
            }
            if (_workerError is { } e) throw new InvalidOperationException("A training worker thread failed.", e);
        }
        if (!_parallelReduce) ReduceRanges();
        foreach (var term in _terms) term.ReduceLoss();
    }

    private void ReduceRanges()
    {
        int i;
        while ((i = Interlocked.Increment(ref _nextRange) - 1) < _reduceRanges.Length)
        {
            var range = _reduceRanges[i];
            range.Term.ReduceGradient(range.Start, range.Length);
        }
    }

    // Worker 0 is the stepping thread; each thread runs shared-buffer shards on its own twin.
    private void RunShards(int worker)
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _items.Length)
        {
            var item = _items[i];
            if (item.OnTwin is { } onTwin) onTwin[worker].Run();
            else
            {
                item.Tape.Forward();
                item.Tape.Backward();
            }
        }
    }

    private void WorkerLoop(int id)
    {
        while (true)
        {
            _starts[id - 1].Wait();
            if (_stopping) return;
            try { RunShards(id); }
            catch (Exception e) { _workerError = e; }
            _barrier.SignalAndWait();
            if (!_parallelReduce) continue;
            try
            {
                if (_workerError is null) ReduceRanges();
            }
            catch (Exception e) { _workerError = e; }
            _barrier.SignalAndWait();
        }
    }

    public void Dispose()
    {
        if (_barrier is null) return;
        _stopping = true;
        foreach (var start in _starts) start.Release();
        foreach (var w in _workers) w.Join();
        _barrier.Dispose();
        foreach (var start in _starts) start.Dispose();
    }
}
