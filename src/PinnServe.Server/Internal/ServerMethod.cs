using Google.Protobuf;

namespace PinnServe.Server.Internal;

/// <summary>A method bound to its HTTP/2 path, "/package.Service/Method".</summary>
internal abstract class ServerMethod(string path)
{
    public string Path { get; } = path;

    /// <summary>Runs the call; throws <see cref="RpcException"/> for a non-OK status.</summary>
    public abstract Task InvokeAsync(ServerCall call);
}

/// <summary>One request, one response. The response is buffered so headers, message and trailers leave together.</summary>
internal sealed class UnaryMethod<TRequest, TResponse>(
    string path, MessageParser<TRequest> parser, Func<TRequest, ServerCall, ValueTask<TResponse>> handler) : ServerMethod(path)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task InvokeAsync(ServerCall call)
    {
        var request = await call.ReadRequestAsync(parser);
        var response = await handler(request, call);
        call.WriteMessage(response);
    }
}

/// <summary>One request, a stream of responses written through a <see cref="ResponseStream{T}"/>.</summary>
internal sealed class ServerStreamingMethod<TRequest, TResponse>(
    string path, MessageParser<TRequest> parser, Func<TRequest, ResponseStream<TResponse>, ServerCall, Task> handler) : ServerMethod(path)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async Task InvokeAsync(ServerCall call)
    {
        var request = await call.ReadRequestAsync(parser);
        await handler(request, new ResponseStream<TResponse>(call), call);
    }
}

/// <summary>Writes streamed responses one message at a time, each flushed (so flow control applies back-pressure).</summary>
internal sealed class ResponseStream<T>(ServerCall call) where T : IMessage<T>
{
    public ValueTask WriteAsync(T message)
    {
        call.CancellationToken.ThrowIfCancellationRequested();
        call.WriteMessage(message);
        return call.FlushAsync();
    }
}
