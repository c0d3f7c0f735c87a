using Grpc.Health.V1;
using PinnServe.Api.V1;

namespace PinnServe.Server.Client;

/// <summary>Typed client of pinnserve.v1.FieldService and grpc.health.v1.Health (used by `pinn query` and tests).</summary>
public sealed class PinnClient(string address, HttpMessageHandler? handler = null) : IDisposable
{
    private const string Service = "/pinnserve.v1.FieldService/";
    private readonly GrpcHttpClient _grpc = new(address, handler);

    public GrpcHttpClient Channel => _grpc;

    public Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken = default) =>
        _grpc.UnaryAsync(Service + "ListModels", new ListModelsRequest(), ListModelsResponse.Parser, null, cancellationToken);

    public Task<ModelInfo> DescribeModelAsync(string name, CancellationToken cancellationToken = default) =>
        _grpc.UnaryAsync(Service + "DescribeModel", new DescribeModelRequest { Name = name }, ModelInfo.Parser, null, cancellationToken);

    public Task<QueryResponse> QueryAsync(QueryRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _grpc.UnaryAsync(Service + "Query", request, QueryResponse.Parser, timeout, cancellationToken);

    public IAsyncEnumerable<QueryChunk> QueryStreamAsync(QueryStreamRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _grpc.ServerStreamingAsync("/pinnserve.v1.FieldService/QueryStream", request, QueryChunk.Parser, timeout, cancellationToken);

    public Task<ValidateResponse> ValidateAsync(ValidateRequest request, CancellationToken cancellationToken = default) =>
        _grpc.UnaryAsync(Service + "Validate", request, ValidateResponse.Parser, null, cancellationToken);

    public Task<HealthCheckResponse> CheckHealthAsync(string service = "", CancellationToken cancellationToken = default) =>
        _grpc.UnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = service }, HealthCheckResponse.Parser, null, cancellationToken);

    public void Dispose() => _grpc.Dispose();
}
