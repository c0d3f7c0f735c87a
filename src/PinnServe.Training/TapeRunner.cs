using PinnServe.Autodiff;

namespace PinnServe.Training;

/// <summary>
/// Runs the loss terms' tapes (forward + backward) on a fixed set of threads. Terms are independent — each
/// tape owns its buffers and its ∂L/∂θ — so they are spread over threads by estimated cost once, and each
/// step needs two barrier crossings and no allocation. Results do not depend on the thread count.
/// </summary>
internal sealed class TapeRunner<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tape<T>[] _tapes;
    private readonly double[] _losses;
    private readonly int[][] _assignment;
    private readonly Barrier? _barrier;
    private readonly Thread[] _workers;
    private volatile bool _stopping;
    private Exception? _workerError;

    public TapeRunner(Tape<T>[] tapes, int threads)
    {
        _tapes = tapes;
        _losses = new double[tapes.Length];
        threads = Math.Clamp(threads, 1, Math.Max(1, tapes.Length));
        // Greedy longest-processing-time assignment by FLOP count.
        var loads = new long[threads];
        var lists = Enumerable.Range(0, threads).Select(_ => new List<int>()).ToArray();
        foreach (int i in Enumerable.Range(0, tapes.Length).OrderByDescending(i => tapes[i].ForwardFlops + tapes[i].BackwardFlops))
        {
            int t = Array.IndexOf(loads, loads.Min());
            lists[t].Add(i);
            loads[t] += tapes[i].ForwardFlops + tapes[i].BackwardFlops;
        }
        _assignment = lists.Select(l => l.ToArray()).ToArray();
        _workers = new Thread[threads - 1];
        if (threads > 1)
        {
            _barrier = new Barrier(threads);
            for (int w = 0; w < _workers.Length; w++)
            {
                int id = w + 1;
                _workers[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"pinn-tapes-{id}" };
                _workers[w].Start();
            }
        }
    }

    public int Threads => _assignment.Length;
    public IReadOnlyList<double> Losses => _losses;

    /// <summary>Forward and backward of every tape; losses land in <see cref="Losses"/>.</summary>
    public void Run()
    {
        if (_barrier is null) { RunShare(0); return; }
        _barrier.SignalAndWait();   // start
        RunShare(0);
        _barrier.SignalAndWait();   // done
        if (_workerError is { } e) throw new InvalidOperationException("A training worker thread failed.", e);
    }

    private void RunShare(int thread)
    {
        foreach (int i in _assignment[thread])
        {
            _losses[i] = double.CreateTruncating(_tapes[i].Forward());
            _tapes[i].Backward();
        }
    }

    private void WorkerLoop(int id)
    {
        while (true)
        {
            _barrier!.SignalAndWait();
            if (_stopping) return;
            try { RunShare(id); }
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
