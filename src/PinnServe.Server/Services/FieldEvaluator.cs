using System.Diagnostics;
using PinnServe.Server.Batching;
using PinnServe.Server.Metrics;
using PinnServe.Server.Models;

namespace PinnServe.Server.Services;

/// <summary>
/// Evaluates the points of one unary call (Query, ModelInfer): through the batcher when the call is small and
/// allows it, on its own otherwise; either way the metrics hear about it.
/// </summary>
internal sealed class FieldEvaluator(QueryBatcher batcher, ServingMetrics metrics)
{
    /// <param name="points">Validated row-major coordinates, count × inputs.</param>
    public async Task<float[]> EvaluateAsync(string method, ModelLease lease, float[] points, int count, string[] fields, bool allowBatching, CancellationToken cancellationToken)
    {
        string model = lease.Entry.Name;
        if (allowBatching && batcher.Accepts(count))
        {
            var result = await batcher.EvaluateAsync(lease.Model, points, count, fields, cancellationToken);
            metrics.Batched(method, model, count, result);
            return result.Values;
        }
        var values = new float[count * fields.Length];
        long start = Stopwatch.GetTimestamp();
        lease.Model.Evaluate(points, count, fields, values);
        metrics.Evaluated(method, model, count, Stopwatch.GetElapsedTime(start));
        return values;
    }
}
