using System.Diagnostics;
using PinnServe.Server.Models;

namespace PinnServe.Server.Batching;

/// <summary>
/// The calls waiting for one model instance and one field list. At most one batch is open (accepting calls) at a
/// time; it starts when nothing else of this queue runs, when it is full, or when its delay has passed.
/// </summary>
internal sealed class BatchQueue(IFieldModel model, string[] fields, BatchingOptions options)
{
    private readonly Lock _lock = new();
    private readonly int _dimensions = model.InputNames.Count;
    private Batch? _open;
    private int _running;

    private sealed class Batch(BatchQueue queue)
    {
        public readonly BatchQueue Queue = queue;
        public readonly List<BatchItem> Items = [];
        public int Points;
        public bool Started;
        public Timer? Timer;
    }

    public void Enqueue(BatchItem item)
    {
        Batch? overflow = null, full = null;
        lock (_lock)
        {
            // A call that does not fit sends the open batch now and starts the next one.
            if (_open is { } previous && previous.Points + item.Count > options.MaxBatchPoints && TryStart(previous)) overflow = previous;
            bool opened = _open is null;
            _open ??= new Batch(this);
            var batch = _open;
            batch.Items.Add(item);
            batch.Points += item.Count;
            if (batch.Points >= options.MaxBatchPoints)
            {
                if (TryStart(batch)) full = batch;
            }
            else if (opened)
            {
                // Idle queue, or no waiting allowed: send on the next free thread, so calls arriving meanwhile join.
                if (_running == 0 || options.MaxDelay == TimeSpan.Zero) Schedule(batch);
                else batch.Timer = new Timer(static state => ((Batch)state!).Queue.StartScheduled((Batch)state!), batch, options.MaxDelay, Timeout.InfiniteTimeSpan);
            }
        }
        if (overflow is not null) Run(overflow);
        if (full is not null) Run(full);
    }

    private void Schedule(Batch batch) => ThreadPool.UnsafeQueueUserWorkItem(static b => b.Queue.StartScheduled(b), batch, preferLocal: false);

    private void StartScheduled(Batch batch)
    {
        bool started;
        lock (_lock) started = TryStart(batch);
        if (started) Run(batch);
    }

    /// <summary>Closes the batch to new calls and counts it as running; false if something already started it. Under the lock.</summary>
    private bool TryStart(Batch batch)
    {
        if (batch.Started) return false;
        batch.Started = true;
        batch.Timer?.Dispose();
        if (_open == batch) _open = null;
        _running++;
        return true;
    }

    private void Run(Batch batch)
    {
        try { Evaluate(batch); }
        finally
        {
            lock (_lock)
            {
                _running--;
                // Whatever gathered while this batch ran goes next, without waiting for its timer.
                if (_running == 0 && _open is { Started: false } next) Schedule(next);
            }
        }
    }

    private void Evaluate(Batch batch)
    {
        var items = batch.Items.Where(i => i.TryTake()).ToArray();
        if (items.Length == 0) return;
        long startedAt = Stopwatch.GetTimestamp();
        int total = items.Sum(i => i.Count);
        var points = new float[total * _dimensions];
        int offset = 0;
        foreach (var item in items)
        {
            item.Points.AsSpan(0, item.Count * _dimensions).CopyTo(points.AsSpan(offset));
            offset += item.Count * _dimensions;
        }
        var values = new float[total * fields.Length];
        try
        {
            model.Evaluate(points, total, fields, values);
        }
        catch (Exception e)
        {
            foreach (var item in items) item.Completion.TrySetException(e);
            return;
        }
        var compute = Stopwatch.GetElapsedTime(startedAt);
        offset = 0;
        foreach (var item in items)
        {
            int length = item.Count * fields.Length;
            var result = values.AsSpan(offset, length).ToArray();
            item.Completion.TrySetResult(new BatchResult(result, Stopwatch.GetElapsedTime(item.ArrivedAt, startedAt), compute, items.Length, total, offset == 0));
            offset += length;
        }
    }
}
