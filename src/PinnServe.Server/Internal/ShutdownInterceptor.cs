using Grpc.Core;
using Grpc.Core.Interceptors;

namespace PinnServe.Server.Internal;

/// <summary>
/// Ends server-streaming calls (QueryStream, health Watch) when the server stops: their handlers see a
/// cancellation token that also fires on <see cref="ServerShutdown"/>, and a stream cut short that way ends
/// with UNAVAILABLE, which clients treat as "retry elsewhere". Unary calls are short and simply finish.
/// </summary>
internal sealed class ShutdownInterceptor(ServerShutdown shutdown) : Interceptor
{
    public const string ShuttingDownMessage = "The server is shutting down; retry the call on another instance.";

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (shutdown.IsStopping) throw new RpcException(new Status(StatusCode.Unavailable, ShuttingDownMessage));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, shutdown.Token);
        try
        {
            await continuation(request, responseStream, new LinkedServerCallContext(context, linked.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && shutdown.IsStopping && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ShuttingDownMessage));
        }
    }
}

/// <summary>The call's context with another cancellation token; everything else is the original call's.</summary>
internal sealed class LinkedServerCallContext : ServerCallContext
{
    // Grpc.AspNetCore finds the HttpContext of a context it did not create under this user-state key.
    private const string HttpContextKey = "__HttpContext";
    private readonly ServerCallContext inner;
    private readonly CancellationToken cancellationToken;

    public LinkedServerCallContext(ServerCallContext inner, CancellationToken cancellationToken)
    {
        this.inner = inner;
        this.cancellationToken = cancellationToken;
        inner.UserState[HttpContextKey] = inner.GetHttpContext();
    }

    protected override string MethodCore => inner.Method;
    protected override string HostCore => inner.Host;
    protected override string PeerCore => inner.Peer;
    protected override DateTime DeadlineCore => inner.Deadline;
    protected override Metadata RequestHeadersCore => inner.RequestHeaders;
    protected override CancellationToken CancellationTokenCore => cancellationToken;
    protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;
    protected override Status StatusCore { get => inner.Status; set => inner.Status = value; }
    protected override WriteOptions? WriteOptionsCore { get => inner.WriteOptions; set => inner.WriteOptions = value; }
    protected override AuthContext AuthContextCore => inner.AuthContext;
    protected override IDictionary<object, object> UserStateCore => inner.UserState;
    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => inner.CreatePropagationToken(options);
    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
}
