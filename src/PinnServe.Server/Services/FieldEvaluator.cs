using System.Diagnostics;
using Grpc.Core;
using PinnServe.Server.Batching;
using PinnServe.Server.Metrics;
using PinnServe.Server.Models;

namespace PinnServe.Server.Services;

/// <summary>What one unary evaluation gave and cost (for the call's answer, metrics and Triton statistics).</summary>
/// <param name="Values">count × fields, row-major.</param>
/// <param name="Queue">Waiting for a batch (zero when evaluated alone).</param>
/// <param name="Compute">The ONNX Runtime call that computed it (a merged batch's, when batched).</param>
/// <param name="BatchPoints">Points in that ONNX Runtime call.</param>
/// <param name="ReportsExecution">True for exactly one call per ONNX Runtime execution (to count executions once).</param>
internal readonly record struct Evaluation(float[] Values, TimeSpan Queue, TimeSpan Compute, int BatchPoints, bool ReportsExecution);

/// <summary>
/// Evaluates the points of one unary call (Query, ModelInfer): through the batcher when the call is small and
/// allows it, on its own otherwise; either way the metrics hear about it. A call whose deadline has passed is not
/// evaluated: nobody waits for its answer.
/// </summary>
internal sealed class FieldEvaluator(QueryBatcher batcher, ServingMetrics metrics)
{
    /// <param name="points">Validated row-major coordinates, count × inputs.</param>
    /// <param name="deadline">The call's deadline (UTC; DateTime.MaxValue: none).</param>
    public async Task<Evaluation> EvaluateAsync(string method, ModelLease lease, float[] points, int count, string[] fields, bool allowBatching,
        DateTime deadline, CancellationToken cancellationToken)
    {
        string model = lease.Entry.Name;
        long deadlineTimestamp = ToTimestamp(deadline);
        if (Stopwatch.GetTimestamp() >= deadlineTimestamp) throw DeadlinePassed();
        if (allowBatching && batcher.Accepts(count))
        {
            var result = await batcher.EvaluateAsync(lease.Model, points, count, fields, cancellationToken, deadlineTimestamp);
            metrics.Batched(method, model, count, result);
            return new Evaluation(result.Values, result.QueueTime, result.ComputeTime, result.BatchPoints, result.FirstInBatch);
        }
        var values = new float[count * fields.Length];
        long start = Stopwatch.GetTimestamp();
        lease.Model.Evaluate(points, count, fields, values);
        var compute = Stopwatch.GetElapsedTime(start);
        metrics.Evaluated(method, model, count, compute);
        return new Evaluation(values, TimeSpan.Zero, compute, count, true);
    }

    private static RpcException DeadlinePassed() =>
        new(new Status(StatusCode.DeadlineExceeded, "The call's deadline passed before it was evaluated."));

    /// <summary>A UTC deadline as a Stopwatch timestamp (long.MaxValue for none or one too far away to matter).</summary>
    internal static long ToTimestamp(DateTime deadline)
    {
        if (deadline == DateTime.MaxValue) return long.MaxValue;
        var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
        if (remaining > TimeSpan.FromDays(1)) return long.MaxValue;
        return Stopwatch.GetTimestamp() + (long)(remaining.TotalSeconds * Stopwatch.Frequency);
    }
}
