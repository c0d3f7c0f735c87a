using PinnServe.Engine.Compilation;

namespace PinnServe.Engine.Backends;

/// <summary>The engine's own vectorized kernels on every CPU core.</summary>
public sealed class CpuBackend : IComputeBackend
{
    public static readonly CpuBackend Instance = new();
    public string Name => "cpu";

    public bool IsAvailable(out string reason)
    {
        reason = "";
        return true;
    }

    public ITermExecutor<T> CreateExecutor<T>(IReadOnlyList<CompiledTerm<T>> terms, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => new CpuTermExecutor<T>(terms, threads);
}

/// <summary>
/// Runs all shards of all terms on a fixed set of threads. Threads take shards one at a time from a shared
/// counter (largest first), so one big residual term keeps every core busy; a shard is computed the same way
/// whichever thread takes it, and each term's reduction adds its shards in a fixed order afterwards, so results
/// are bit-identical for any thread count. Two barrier crossings per step, no allocation.
/// </summary>
internal sealed class CpuTermExecutor<T> : ITermExecutor<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly CompiledTerm<T>[] _terms;
    private readonly Autodiff.Tape<T>[] _shards;
    private readonly Barrier? _barrier;
    private readonly Thread[] _workers;
    private int _next;
    private volatile bool _stopping;
    private Exception? _workerError;

    public CpuTermExecutor(IReadOnlyList<CompiledTerm<T>> terms, int threads)
    {
        _terms = terms.ToArray();
        _shards = _terms.SelectMany(t => t.Shards).OrderByDescending(s => s.ForwardFlops + s.BackwardFlops).ToArray();
        Threads = Math.Clamp(threads, 1, Math.Max(1, _shards.Length));
        _workers = new Thread[Threads - 1];
        if (Threads > 1)
        {
            _barrier = new Barrier(Threads);
            for (int w = 0; w < _workers.Length; w++)
            {
                _workers[w] = new Thread(WorkerLoop) { IsBackground = true, Name = $"pinn-shards-{w + 1}" };
                _workers[w].Start();
            }
        }
    }

    public int Threads { get; }

    public void Run()
    {
        _next = 0;
        if (_barrier is null) RunShards();
        else
        {
            _barrier.SignalAndWait();   // start
            RunShards();
            _barrier.SignalAndWait();   // done
            if (_workerError is { } e) throw new InvalidOperationException("A training worker thread failed.", e);
        }
        foreach (var term in _terms) term.Reduce();
    }

    private void RunShards()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _shards.Length)
        {
            _shards[i].Forward();
            _shards[i].Backward();
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _barrier!.SignalAndWait();
            if (_stopping) return;
            try { RunShards(); }
            catch (Exception e) { _workerError = e; }
            _barrier.SignalAndWait();
        }
    }

    public void Dispose()
    {
        if (_barrier is null) return;
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var w in _workers) w.Join();
        _barrier.Dispose();
    }
}
