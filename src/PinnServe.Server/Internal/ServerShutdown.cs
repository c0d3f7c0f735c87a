namespace PinnServe.Server.Internal;

/// <summary>
/// Fires once when the server begins to stop, after health has turned NOT_SERVING. Streaming calls listen to it
/// (<see cref="ShutdownInterceptor"/>) so that they end promptly instead of holding the host until its timeout.
/// </summary>
internal sealed class ServerShutdown : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CancellationToken Token => _source.Token;
    public bool IsStopping => _source.IsCancellationRequested;

    public void Begin()
    {
        try { _source.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _source.Dispose();
}
