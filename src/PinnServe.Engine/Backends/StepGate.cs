using System.Diagnostics;

namespace PinnServe.Engine.Backends;

/// <summary>
/// The start/finish handshake between the thread that runs a step and its workers (it replaced a .NET Barrier). Each
/// side spins for a short while, then sleeps on a monitor, so an idle trainer costs no CPU. The stepping thread spins
/// up to 250 µs for the last worker to finish; a worker spins only 20 µs for the next step: on the 2-core VM this was
/// measured on, a worker that spun through the host part of the step (sampling, Adam: ~0.1 ms on Klein–Gordon) slowed
/// the stepping thread's own shard, so longer spins lost what they saved in wake-up latency. No allocation.
/// </summary>
internal sealed class StepGate(int workers)
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 4000;            // 250 µs: the stepping thread
    private static readonly long WorkerSpinTicks = Stopwatch.Frequency / 50_000;    // 20 µs: a worker (see the summary)
    private readonly object _monitor = new();
    private long _generation;   // bumped by the stepping thread: a step started
    private int _running;       // workers that have not finished the current step
    private int _sleepers;      // threads in Monitor.Wait

    /// <summary>Stepping thread: releases the workers into a step (also used to release them to stop).</summary>
    public void Start()
    {
        Volatile.Write(ref _running, workers);
        Interlocked.Increment(ref _generation);
        WakeSleepers();
    }

    /// <summary>Stepping thread: returns once every worker has called <see cref="Finished"/>.</summary>
    public void AwaitWorkers()
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        var spin = new SpinWait();
        while (Volatile.Read(ref _running) != 0)
        {
            if (Stopwatch.GetTimestamp() > deadline) { Sleep(); return; }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Sleep()
    {
        Interlocked.Increment(ref _sleepers);   // full fence: a worker's decrement to 0 then sees a sleeper, or we see 0
        lock (_monitor)
            while (Volatile.Read(ref _running) != 0) Monitor.Wait(_monitor);
        Interlocked.Decrement(ref _sleepers);
    }

    /// <summary>Worker: returns the generation of the next step once it started (after <paramref name="seen"/>).</summary>
    public long AwaitStart(long seen)
    {
        long deadline = Stopwatch.GetTimestamp() + WorkerSpinTicks;
        var spin = new SpinWait();
        while (Volatile.Read(ref _generation) == seen)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Interlocked.Increment(ref _sleepers);
                lock (_monitor)
                    while (Volatile.Read(ref _generation) == seen) Monitor.Wait(_monitor);
                Interlocked.Decrement(ref _sleepers);
                break;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return Volatile.Read(ref _generation);
    }

    /// <summary>Worker: done with the current step.</summary>
    public void Finished()
    {
        if (Interlocked.Decrement(ref _running) == 0) WakeSleepers();
    }

    private void WakeSleepers()
    {
        if (Volatile.Read(ref _sleepers) == 0) return;
        lock (_monitor) Monitor.PulseAll(_monitor);
    }
}
