using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace PinnServe.Server.Internal;

/// <summary>
/// One gRPC call as a service handler sees it: the request message, a cancellation token that fires on the
/// client's cancellation or the call's deadline, and response writing.
/// </summary>
internal sealed class ServerCall : IDisposable
{
    private readonly HttpContext _http;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly int _maxReceiveMessageSize;

    private readonly bool _gzip;

    public ServerCall(HttpContext http, TimeSpan? timeout, int maxReceiveMessageSize, bool gzip)
    {
        _http = http;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        _gzip = gzip;
        if (timeout is { } t)
        {
            Deadline = DateTime.UtcNow + t;
            _deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            _deadlineSource.CancelAfter(t);
            // Wake a flush stuck on flow control without cancelling Kestrel's flush itself (that aborts the stream).
            _deadlineSource.Token.Register(() => http.Response.BodyWriter.CancelPendingFlush());
        }
        CancellationToken = _deadlineSource?.Token ?? http.RequestAborted;
    }

    /// <summary>When the client stops waiting (null: no grpc-timeout).</summary>
    public DateTime? Deadline { get; }

    /// <summary>Fires when the client cancels or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The deadline timer fired (and the client had not already gone).</summary>
    public bool DeadlinePassed => _deadlineSource is { IsCancellationRequested: true } && !ClientCancelled;

    public bool ClientCancelled => _http.RequestAborted.IsCancellationRequested;

    public ValueTask<T> ReadRequestAsync<T>(MessageParser<T> parser) where T : IMessage<T> =>
        MessageFraming.ReadSingleMessageAsync(_http.Request.BodyReader, parser, _maxReceiveMessageSize, _gzip, CancellationToken);

    /// <summary>Buffers one response message; it leaves with the next flush or when the call completes.</summary>
    public void WriteMessage(IMessage message)
    {
        MessageFraming.WriteMessage(_http.Response.BodyWriter, message);
        MessagesWritten = true;
    }

    /// <summary>True once a response message was written, which rules out a trailers-only response.</summary>
    public bool MessagesWritten { get; private set; }

    /// <summary>Sends what is buffered, waiting while HTTP/2 flow control holds the stream back.</summary>
    public async ValueTask FlushAsync()
    {
        var result = await _http.Response.BodyWriter.FlushAsync();
        if (result.IsCanceled || CancellationToken.IsCancellationRequested) throw new OperationCanceledException(CancellationToken);
    }

    public void Dispose() => _deadlineSource?.Dispose();
}
