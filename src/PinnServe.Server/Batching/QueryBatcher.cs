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
    private readonly ConditionalWeakTable<IFieldModel, ConcurrentDictionary<string, BatchQueue>> _queues = new();

    public QueryBatcher(BatchingOptions options)
    {
        options.Validate();
        Options = options;
    }

    public BatchingOptions Options { get; }

    /// <summary>Whether a call of <paramref name="count"/> points goes through a batch (the caller may still opt out).</summary>
    public bool Accepts(int count) => Options.Enabled && count >= 1 && count <= Options.MaxRequestPoints;

    /// <summary>
    /// Evaluates <paramref name="fields"/> at <paramref name="count"/> validated points together with other
    /// waiting calls. Values are the same, bit for bit, as <see cref="IFieldModel.Evaluate"/> on these points
    /// alone, provided the model evaluates each point independently of the others in its call (ONNX Runtime does).
    /// Cancelling before the batch starts leaves the call out of it; the others are not held.
    /// </summary>
    /// <param name="points">Row-major, at least count × inputs values; not modified, not kept after completion.</param>
    public async Task<BatchResult> EvaluateAsync(IFieldModel model, float[] points, int count, string[] fields, CancellationToken cancellationToken = default)
    {
        if (!Accepts(count)) throw new ArgumentOutOfRangeException(nameof(count), $"{count} points cannot be batched (1 to {Options.MaxRequestPoints}).");
        cancellationToken.ThrowIfCancellationRequested();
        var queue = _queues.GetValue(model, static _ => new ConcurrentDictionary<string, BatchQueue>(StringComparer.Ordinal))
            .GetOrAdd(string.Join('\u001f', fields), static (_, state) => new BatchQueue(state.model, state.fields, state.Options),
                (model, fields: fields.ToArray(), Options));
        var item = new BatchItem(points, count);
        using var registration = cancellationToken.UnsafeRegister(static state => ((BatchItem)state!).Cancel(), item);
        queue.Enqueue(item);
        return await item.Completion.Task.ConfigureAwait(false);
    }
}
