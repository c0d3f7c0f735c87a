using System.Diagnostics;
using Grpc.Core;

namespace PinnServe.Server.Batching;

/// <summary>What a batched call got back: its values and how its time was spent.</summary>
/// <param name="Values">count × fields values, row-major, exactly as an unbatched evaluation writes them.</param>
/// <param name="QueueTime">From arrival until its batch started.</param>
/// <param name="ComputeTime">The merged ONNX Runtime call.</param>
/// <param name="BatchRequests">Calls merged into that ONNX Runtime call (1 when it ran alone).</param>
/// <param name="BatchPoints">Points in that call.</param>
/// <param name="FirstInBatch">True for exactly one call of each batch (to count per-batch figures once).</param>
public readonly record struct BatchResult(float[] Values, TimeSpan QueueTime, TimeSpan ComputeTime, int BatchRequests, int BatchPoints, bool FirstInBatch);

/// <summary>
/// One call waiting in a queue, and the task its caller awaits (the item is its own completion source, one
/// allocation per call). Its state moves once: waiting → taken (its points will be computed) or waiting → cancelled.
/// </summary>
internal sealed class BatchItem(float[] points, int count, long deadline = long.MaxValue) : TaskCompletionSource<BatchResult>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private const int Waiting = 0, Taken = 1, Cancelled = 2;
    private int _state;

    public float[] Points { get; } = points;
    public int Count { get; } = count;
    public long ArrivedAt { get; } = Stopwatch.GetTimestamp();
    /// <summary>Stopwatch timestamp after which the caller no longer wants the answer (long.MaxValue: none).</summary>
    public long Deadline { get; } = deadline;

    /// <summary>
    /// Leaves the call out of its batch when its deadline has passed by <paramref name="now"/>: nobody waits for the
    /// answer, so it is not computed (the deadline's own cancellation may not have fired yet). True when it expired.
    /// </summary>
    public bool TryExpire(long now)
    {
        if (now < Deadline || Interlocked.CompareExchange(ref _state, Cancelled, Waiting) != Waiting) return false;
        TrySetException(new RpcException(new Status(StatusCode.DeadlineExceeded, "The call's deadline passed while it waited for its batch; it was not evaluated.")));
        return true;
    }

    /// <summary>Claims the call for a batch; false when it was cancelled first (it is then left out).</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

    /// <summary>
    /// Cancels the call if no batch has taken it yet. Once taken it runs to the end, so the model it uses stays
    /// leased by its caller until the batch is done; that wait is one small ONNX Runtime call.
    /// </summary>
    public void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting) TrySetCanceled();
    }
}
