namespace PinnServe.Server.Batching;

/// <summary>
/// Dynamic batching of small queries: concurrent calls for the same model version and the same field list are
/// merged into one ONNX Runtime call. A batch is sent as soon as no other batch of its kind is running, when it
/// is full, or when its oldest request has waited <see cref="MaxDelay"/>, whichever comes first.
/// </summary>
public sealed record BatchingOptions
{
    /// <summary>Off: every call is evaluated on its own (a request can also opt out: <c>QueryRequest.no_batching</c>).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Calls with more points than this are evaluated on their own: they already amortize the per-call cost.</summary>
    public int MaxRequestPoints { get; init; } = 64;

    /// <summary>Points in one merged call; a batch that reaches it is sent at once.</summary>
    public int MaxBatchPoints { get; init; } = 4096;

    /// <summary>
    /// Longest a request waits for the running batch of its kind before its own batch is sent anyway, so one slow
    /// batch cannot hold the next. .NET timers round it up to whole milliseconds; zero means never wait.
    /// </summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (MaxRequestPoints < 1) throw new ArgumentException($"Batching: the largest batched request must be at least 1 point, got {MaxRequestPoints}.");
        if (MaxBatchPoints < MaxRequestPoints)
            throw new ArgumentException($"Batching: a batch ({MaxBatchPoints} points) must hold at least one batched request ({MaxRequestPoints} points).");
        if (MaxDelay < TimeSpan.Zero || MaxDelay > TimeSpan.FromSeconds(1))
            throw new ArgumentException($"Batching: the delay must be between 0 and 1 s, got {MaxDelay.TotalMilliseconds} ms.");
    }
}
