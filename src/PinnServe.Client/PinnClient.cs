using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PinnServe.Api.V1;

namespace PinnServe.Client;

/// <summary>
/// Typed client of pinnserve.v1.FieldService and grpc.health.v1.Health over Grpc.Net.Client (used by
/// `pinn query` and `pinn bench-serve`). Failed calls throw <see cref="RpcException"/> with the server's status;
/// a call that ran past its timeout always reports DeadlineExceeded (<see cref="DeadlineRace"/>).
/// </summary>
public sealed class PinnClient : IDisposable
{
    private readonly GrpcChannel _channel;

    /// <param name="address">"IP:port" or "host:port" (cleartext HTTP/2), or an http:// or https:// URL.</param>
    /// <param name="handler">Optional HTTP handler, e.g. one that trusts a private certificate.</param>
    public PinnClient(string address, HttpMessageHandler? handler = null)
    {
        var uri = new Uri(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address);
        _channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                // Start with a window that holds a few streamed chunks instead of waiting for window growth.
                InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
            },
            // Streamed chunks are capped at 2 MiB of values by the server; leave room for the largest unary answers.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        Fields = new FieldService.FieldServiceClient(_channel);
        Health = new Health.HealthClient(_channel);
        Inference = new Api.Inference.GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>The generated stubs, for anything the helpers below do not cover.</summary>
    public FieldService.FieldServiceClient Fields { get; }
    public Health.HealthClient Health { get; }
    /// <summary>The Open Inference Protocol (KServe v2) stub on the same channel.</summary>
    public Api.Inference.GRPCInferenceService.GRPCInferenceServiceClient Inference { get; }

    public async Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken = default) =>
        await Fields.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellationToken);

    public async Task<ModelInfo> DescribeModelAsync(string name, CancellationToken cancellationToken = default) =>
        await Fields.DescribeModelAsync(new DescribeModelRequest { Name = name }, cancellationToken: cancellationToken);

    public async Task<QueryResponse> QueryAsync(QueryRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(timeout);
        try { return await Fields.QueryAsync(request, deadline: deadline, cancellationToken: cancellationToken); }
        catch (RpcException error) { throw DeadlineRace.Resolve(error, deadline, DateTime.UtcNow); }
    }

    public async IAsyncEnumerable<QueryChunk> QueryStreamAsync(QueryStreamRequest request, TimeSpan? timeout = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(timeout);
        using var call = Fields.QueryStream(request, deadline: deadline, cancellationToken: cancellationToken);
        while (true)
        {
            // (A yield cannot sit inside try/catch, so each read is wrapped on its own.)
            bool more;
            try { more = await call.ResponseStream.MoveNext(cancellationToken); }
            catch (RpcException error) { throw DeadlineRace.Resolve(error, deadline, DateTime.UtcNow); }
            if (!more) yield break;
            yield return call.ResponseStream.Current;
        }
    }

    public async Task<ValidateResponse> ValidateAsync(ValidateRequest request, CancellationToken cancellationToken = default) =>
        await Fields.ValidateAsync(request, cancellationToken: cancellationToken);

    public async Task<HealthCheckResponse> CheckHealthAsync(string service = "", CancellationToken cancellationToken = default) =>
        await Health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: cancellationToken);

    private static DateTime? Deadline(TimeSpan? timeout) => timeout is { } t ? DateTime.UtcNow + t : null;

    public void Dispose() => _channel.Dispose();
}
