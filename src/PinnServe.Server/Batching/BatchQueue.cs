using System.Buffers;
using System.Diagnostics;
using PinnServe.Server.Models;

namespace PinnServe.Server.Batching;

/// <summary>
/// The calls waiting for one model instance and one field list, and the loop that evaluates them: dispatch when
/// idle, accumulate while busy (as Triton's dynamic batcher with a small queue delay). A call that finds nothing of
/// its queue running starts a batch at once; calls that arrive while one runs wait, and when it ends the same worker
/// takes all of them (up to <see cref="BatchingOptions.MaxBatchPoints"/>) as the next batch. So an idle server adds
/// no delay and a busy one needs no timer per call. A second batch runs beside the first only when the waiting
/// calls fill a batch or the oldest has waited <see cref="BatchingOptions.MaxDelay"/> (one timer per queue, armed
/// only while calls wait behind a running batch), so one slow batch cannot hold the calls behind it.
/// </summary>
internal sealed class BatchQueue : IThreadPoolWorkItem
{
    private readonly Lock _lock = new();
    private readonly IFieldModel _model;
    private readonly string[] _fields;
    private readonly BatchingOptions _options;
    private readonly BatchStatistics _statistics;
    private readonly int _dimensions;
    private readonly Timer _timer;
    private readonly Queue<BatchItem> _waiting = new();
    private int _waitingPoints;
    private int _running;   // workers scheduled or evaluating
    private int _starting;  // of those, scheduled but not yet past their first take
    private bool _timerArmed;

    public BatchQueue(IFieldModel model, string[] fields, BatchingOptions options, BatchStatistics statistics)
    {
        _model = model;
        _fields = fields;
        _options = options;
        _statistics = statistics;
        _dimensions = model.InputNames.Count;
        _timer = new Timer(static queue => ((BatchQueue)queue!).DelayPassed(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public void Enqueue(BatchItem item)
    {
        bool start = false;
        lock (_lock)
        {
            _waiting.Enqueue(item);
            _waitingPoints += item.Count;
            // A worker on its way takes this call with the others; otherwise start one when nothing runs (idle),
            // the waiting calls fill a batch, or waiting is not allowed.
            if (_starting == 0)
            {
                if (_running == 0 || _waitingPoints >= _options.MaxBatchPoints || _options.MaxDelay == TimeSpan.Zero) start = StartWorker();
                else ArmTimer(_options.MaxDelay);
            }
        }
        if (start) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Under the lock.</summary>
    private bool StartWorker()
    {
        _running++;
        _starting++;
        return true;
    }

    /// <summary>Under the lock: the oldest waiting call gets a new batch after <paramref name="due"/> unless a worker takes it first.</summary>
    private void ArmTimer(TimeSpan due)
    {
        if (_timerArmed) return;
        _timerArmed = true;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void DelayPassed()
    {
        bool start = false;
        lock (_lock)
        {
            _timerArmed = false;
            if (_waiting.Count == 0 || _starting > 0) return;
            var waited = Stopwatch.GetElapsedTime(_waiting.Peek().ArrivedAt);
            // The calls that armed the timer may have gone with the running worker; the oldest now waiting gets its own full delay.
            if (waited < _options.MaxDelay / 2) ArmTimer(_options.MaxDelay - waited);
            else start = StartWorker();
        }
        if (start) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>A worker: takes the waiting calls as a batch, evaluates it, and repeats until none wait.</summary>
    public void Execute()
    {
        bool first = true;
        while (true)
        {
            BatchItem[] items;
            int taken = 0, points = 0;
            bool another = false;
            lock (_lock)
            {
                if (first) _starting--;
                first = false;
                if (_waiting.Count == 0)
                {
                    _running--;
                    return;
                }
                items = ArrayPool<BatchItem>.Shared.Rent(_waiting.Count);
                long now = Stopwatch.GetTimestamp();
                while (_waiting.TryPeek(out var next) && (taken == 0 || points + next.Count <= _options.MaxBatchPoints))
                {
                    _waiting.Dequeue();
                    _waitingPoints -= next.Count;
                    if (!next.TryExpire(now) && next.TryTake()) // a cancelled or expired call is dropped here
                    {
                        items[taken++] = next;
                        points += next.Count;
                    }
                }
                if (_waiting.Count == 0)
                {
                    if (_timerArmed)
                    {
                        _timerArmed = false;
                        _timer.Change(Timeout.Infinite, Timeout.Infinite);
                    }
                }
                else if (_starting == 0 && (_waitingPoints >= _options.MaxBatchPoints || _options.MaxDelay == TimeSpan.Zero)) another = StartWorker();
                else ArmTimer(_options.MaxDelay);
            }
            if (another) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            try
            {
                if (taken > 0) Evaluate(items, taken, points);
            }
            finally
            {
                ArrayPool<BatchItem>.Shared.Return(items, clearArray: true);
            }
        }
    }

    private void Evaluate(BatchItem[] items, int taken, int total)
    {
        long startedAt = Stopwatch.GetTimestamp();
        int width = _fields.Length;
        float[] points = ArrayPool<float>.Shared.Rent(total * _dimensions), values = ArrayPool<float>.Shared.Rent(total * width);
        try
        {
            int offset = 0;
            long queued = 0;
            for (int i = 0; i < taken; i++)
            {
                var item = items[i];
                item.Points.AsSpan(0, item.Count * _dimensions).CopyTo(points.AsSpan(offset));
                offset += item.Count * _dimensions;
                queued += startedAt - item.ArrivedAt;
            }
            try
            {
                _model.Evaluate(points.AsSpan(0, total * _dimensions), total, _fields, values.AsSpan(0, total * width));
            }
            catch (Exception e)
            {
                for (int i = 0; i < taken; i++) items[i].TrySetException(e);
                return;
            }
            long computedAt = Stopwatch.GetTimestamp();
            var compute = Stopwatch.GetElapsedTime(startedAt, computedAt);
            offset = 0;
            for (int i = 0; i < taken; i++)
            {
                var item = items[i];
                int length = item.Count * width;
                var result = values.AsSpan(offset, length).ToArray();
                item.TrySetResult(new BatchResult(result, Stopwatch.GetElapsedTime(item.ArrivedAt, startedAt), compute, taken, total, i == 0));
                offset += length;
            }
            _statistics.Add(taken, total, queued, computedAt - startedAt, Stopwatch.GetTimestamp() - computedAt);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(points);
            ArrayPool<float>.Shared.Return(values);
        }
    }
}
