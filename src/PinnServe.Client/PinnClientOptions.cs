namespace PinnServe.Client;

/// <summary>
/// Retry, reconnection and stream-resume settings of a <see cref="PinnClient"/>. The defaults suit replicas that can
/// disappear (a pod rescheduled, a process killed) and come back on the same address within seconds.
/// </summary>
public sealed record PinnClientOptions
{
    /// <summary>Optional HTTP handler (e.g. one that trusts a private certificate). Several replicas or a DNS name need a <see cref="SocketsHttpHandler"/> (grpc-dotnet balances over its connections).</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Attempts of an idempotent call, the first included (grpc-dotnet RetryPolicy.MaxAttempts; 2–5, grpc-dotnet's channel cap).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Upper bound of the first retry's random delay; each later retry multiplies it by <see cref="BackoffMultiplier"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    public double BackoffMultiplier { get; init; } = 2;

    /// <summary>Longest wait between attempts to reconnect a lost replica (grpc-dotnet's default is 120 s; shorter lets a restarted replica rejoin soon).</summary>
    public TimeSpan MaxReconnectBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a dns:/// name is resolved again (it is also re-resolved whenever a replica's connection fails).</summary>
    public TimeSpan DnsRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times one QueryStream may be resumed after its replica was lost mid-stream (UNAVAILABLE after the first
    /// chunk, which grpc-dotnet no longer retries); 0 turns resuming off.
    /// </summary>
    public int MaxStreamResumes { get; init; } = 5;

    /// <summary>Checks the values, throwing <see cref="ArgumentOutOfRangeException"/> naming the property and its range.</summary>
    public void Validate()
    {
        if (MaxAttempts is < 2 or > 5) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be from 2 to 5.");
        CheckSpan(InitialBackoff, nameof(InitialBackoff));
        CheckSpan(MaxBackoff, nameof(MaxBackoff));
        CheckSpan(MaxReconnectBackoff, nameof(MaxReconnectBackoff));
        CheckSpan(DnsRefreshInterval, nameof(DnsRefreshInterval));
        if (!(BackoffMultiplier >= 1 && BackoffMultiplier <= 10)) throw new ArgumentOutOfRangeException(nameof(BackoffMultiplier), BackoffMultiplier, "BackoffMultiplier must be from 1 to 10.");
        if (MaxStreamResumes is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(MaxStreamResumes), MaxStreamResumes, "MaxStreamResumes must be from 0 to 100.");
    }

    private static void CheckSpan(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be more than zero and at most one hour.");
    }
}
