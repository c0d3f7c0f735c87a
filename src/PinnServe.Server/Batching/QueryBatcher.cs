using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using PinnServe.Server.Models;

namespace PinnServe.Server.Batching;

/// <summary>
/// Front door of dynamic batching: finds the queue of a (model instance, field list) pair and waits for the
/// caller's share of a merged evaluation. Queues hang off the model instance, so a reloaded version never shares
/// a batch with the old one and a retired model's queues go with it.
/// </summary>
public sealed class QueryBatcher
{
    private readonly ConditionalWeakTable<IFieldModel, ConcurrentDictionary<string[], BatchQueue>> _queues = new();

    public QueryBatcher(BatchingOptions options)
    {
        options.Validate();
        Options = options;
    }

    public BatchingOptions Options { get; }

    /// <summary>Totals of the merged evaluations so far (batches, calls, queue and compute time).</summary>
    public BatchStatistics Statistics { get; } = new();

    /// <summary>Whether a call of <paramref name="count"/> points goes through a batch (the caller may still opt out).</summary>
    public bool Accepts(int count) => Options.Enabled && count >= 1 && count <= Options.MaxRequestPoints;

    /// <summary>
    /// Evaluates <paramref name="fields"/> at <paramref name="count"/> validated points together with other
    /// waiting calls. Values are the same, bit for bit, as <see cref="IFieldModel.Evaluate"/> on these points
    /// alone, provided the model evaluates each point independently of the others in its call (ONNX Runtime does).
    /// Cancelling before the batch starts leaves the call out of it; the others are not held.
    /// </summary>
    /// <param name="points">Row-major, at least count × inputs values; not modified, not kept after completion.</param>
    /// <param name="deadline">Stopwatch timestamp after which the call is not evaluated any more (DEADLINE_EXCEEDED); long.MaxValue: none.</param>
    public async Task<BatchResult> EvaluateAsync(IFieldModel model, float[] points, int count, string[] fields, CancellationToken cancellationToken = default,
        long deadline = long.MaxValue)
    {
        if (!Accepts(count)) throw new ArgumentOutOfRangeException(nameof(count), $"{count} points cannot be batched (1 to {Options.MaxRequestPoints}).");
        cancellationToken.ThrowIfCancellationRequested();
        var item = new BatchItem(points, count, deadline);
        var queue = Queue(model, fields);
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static state => ((BatchItem)state!).Cancel(), item) : default;
        queue.Enqueue(item);
        return await item.Task.ConfigureAwait(false);
    }

    /// <summary>The queue of this model instance and field list; found without allocating once it exists.</summary>
    private BatchQueue Queue(IFieldModel model, string[] fields)
    {
        var byFields = _queues.GetValue(model, static _ => new ConcurrentDictionary<string[], BatchQueue>(FieldListComparer.Instance));
        if (byFields.TryGetValue(fields, out var queue)) return queue;
        var key = fields.ToArray(); // the caller's array is not ours to keep
        return byFields.GetOrAdd(key, static (k, state) => new BatchQueue(state.model, k, state.Options, state.Statistics), (model, Options, Statistics));
    }

    /// <summary>Field lists compared name by name (ordinal), so a lookup needs no joined string per call.</summary>
    private sealed class FieldListComparer : IEqualityComparer<string[]>
    {
        public static readonly FieldListComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => ReferenceEquals(x, y) || x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] fields)
        {
            var hash = new HashCode();
            foreach (var field in fields) hash.Add(field, StringComparer.Ordinal);
            return hash.ToHashCode();
        }
    }
}
