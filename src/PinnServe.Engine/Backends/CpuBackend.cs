using System.Diagnostics;
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
/// step's working set is a few shards' buffers instead of all of them. The workers wait between steps by spinning
/// briefly, then sleeping (<see cref="StepGate"/>). No allocation per step.
/// </summary>
internal sealed class CpuTermExecutor<T> : ITermExecutor<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly CompiledTerm<T>[] _terms;
    private readonly WorkItem[] _items;
    private readonly Barrier? _barrier;
    private readonly StepGate? _gate;
    private readonly Thread[] _workers;
    private int _next;
    private volatile bool _stopping;
    private Exception? _workerError;

    /// <summary>A shard: its own tape, or (shared buffers) one run per thread on that thread's twin.</summary>
    private sealed record WorkItem(Autodiff.Tape<T> Tape, SliceOnTwin<T>[]? OnTwin);

    // EXPERIMENT (temporary): PINN_EXP_SHARED=alt alternates direct and shared steps (same bits) and prints both
    // modes' step times; PINN_EXP_BARRIER=1: the old .NET Barrier handshake; PINN_STEP_STATS=1 prints a breakdown.
    private static readonly bool Alternate = Environment.GetEnvironmentVariable("PINN_EXP_SHARED") == "alt";
    private static readonly bool Stats = Alternate || Environment.GetEnvironmentVariable("PINN_STEP_STATS") == "1";
    private static readonly bool UseBarrier = Environment.GetEnvironmentVariable("PINN_EXP_BARRIER") == "1";
    private bool _direct;
    private readonly long[] _modeTicks = new long[2], _modeRuns = new long[2];
    private long _tOutside, _tStart, _tBusy, _tWaitDone, _tReduce, _lastEnd, _runs, _created = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly long[] _workerBusy = new long[64];

    public CpuTermExecutor(IReadOnlyList<CompiledTerm<T>> terms, int threads, bool sharedBuffers = true)
    {
        _terms = terms.ToArray();
        int shards = _terms.Sum(t => t.Shards.Count);
        Threads = Math.Clamp(threads, 1, Math.Max(1, shards));
        if (Environment.GetEnvironmentVariable("PINN_EXP_SHARED") == "0") sharedBuffers = false;
        _items = _terms.SelectMany(t => Items(t, Threads, sharedBuffers))
            .OrderByDescending(item => item.Tape.ForwardFlops + item.Tape.BackwardFlops).ToArray();
        _workers = new Thread[Threads - 1];
        if (Threads > 1)
        {
            if (UseBarrier) _barrier = new Barrier(Threads);
            else _gate = new StepGate(Threads - 1);
            for (int w = 0; w < _workers.Length; w++)
            {
                int id = w + 1;
                _workers[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"pinn-shards-{id}" };
                _workers[w].Start();
            }
        }
    }

    // A shape with more slices than threads gets one twin per thread; the others run on their own tapes.
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
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_runs++ > 0) _tOutside += t0 - _lastEnd;
        if (Alternate) _direct = !_direct;
        _next = 0;
        if (_barrier is null && _gate is null) { RunShards(0); _tBusy += System.Diagnostics.Stopwatch.GetTimestamp() - t0; }
        else
        {
            if (_gate is not null) _gate.Start(); else _barrier!.SignalAndWait();   // start
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            _tStart += t1 - t0;
            RunShards(0);
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            _tBusy += t2 - t1;
            if (_gate is not null) _gate.AwaitWorkers(); else _barrier!.SignalAndWait();   // done
            _tWaitDone += System.Diagnostics.Stopwatch.GetTimestamp() - t2;
            if (_workerError is { } e) throw new InvalidOperationException("A training worker thread failed.", e);
        }
        long t3 = System.Diagnostics.Stopwatch.GetTimestamp();
        _modeTicks[_direct ? 1 : 0] += t3 - t0;
        _modeRuns[_direct ? 1 : 0]++;
        foreach (var term in _terms) term.Reduce();
        _lastEnd = System.Diagnostics.Stopwatch.GetTimestamp();
        _tReduce += _lastEnd - t3;
    }

    private void RunShards(int worker)
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _items.Length)
        {
            var item = _items[i];
            if (item.OnTwin is { } onTwin && !_direct) onTwin[worker].Run();
            else
            {
                item.Tape.Forward();
                item.Tape.Backward();
            }
        }
    }

    private void WorkerLoop(int id)
    {
        long generation = 0;
        while (true)
        {
            if (_gate is not null) generation = _gate.AwaitStart(generation); else _barrier!.SignalAndWait();
            if (_stopping) return;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            try { RunShards(id); }
            catch (Exception e) { _workerError = e; }
            _workerBusy[id] += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            if (_gate is not null) _gate.Finished(); else _barrier!.SignalAndWait();
        }
    }

    public void Dispose()
    {
        if (Stats && _runs > 1)
        {
            double us(long t) => t * 1e6 / System.Diagnostics.Stopwatch.Frequency / _runs;
            double ms(int m) => _modeTicks[m] * 1e3 / System.Diagnostics.Stopwatch.Frequency / Math.Max(1, _modeRuns[m]);
            Console.Error.WriteLine($"step stats ({_runs} runs, {_items.Length} shards, {_items.Count(i => i.OnTwin is not null)} on twins, {Threads} threads, {(_gate is null ? "barrier" : "gate")}): outside Run {us(_tOutside):F1} µs, start {us(_tStart):F1}, main busy {us(_tBusy):F1}, worker busy {us(_workerBusy[1]):F1}, wait done {us(_tWaitDone):F1}, reduce {us(_tReduce):F1} µs per step; shards ms/step: shared {ms(0):F3} ({_modeRuns[0]}), direct {ms(1):F3} ({_modeRuns[1]})");
        }
        if (_workers.Length == 0) return;
        _stopping = true;
        if (_gate is not null) _gate.Start(); else _barrier!.SignalAndWait();
        foreach (var w in _workers) w.Join();
        _barrier?.Dispose();
    }
}
