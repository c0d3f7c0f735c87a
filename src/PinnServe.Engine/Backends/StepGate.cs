using System.Diagnostics;

namespace PinnServe.Engine.Backends;

/// <summary>
/// The start/finish handshake between the thread that runs a step and its workers. Each side first spins for a short
/// while (<see cref="SpinTicks"/>: the host part of a small problem's step, sampling and Adam, is about 0.1 ms), then
/// sleeps on a monitor, so an idle trainer costs no CPU; a .NET Barrier crossing put a sleeping thread's wake-up
/// (tens of µs on a VM) into every step twice. No allocation.
/// </summary>
internal sealed class StepGate(int workers)
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 4000;   // 250 µs
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
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
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
