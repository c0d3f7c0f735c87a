using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Core.Interceptors;
using PinnServe.Api.Inference;
using PinnServe.Api.V1;
using PinnServe.Server.Models;

namespace PinnServe.Server.Metrics;

/// <summary>
/// Counts every finished call by method, model and status code (pinnserve_requests_total). The outermost
/// interceptor, so it sees the status the client gets (a stream ended by shutdown counts as UNAVAILABLE).
/// </summary>
internal sealed partial class MetricsInterceptor(ServingMetrics metrics, ModelRegistry registry) : Interceptor
{
    private static readonly FrozenDictionary<StatusCode, string> StatusNames = Enum.GetValues<StatusCode>()
        .ToFrozenDictionary(c => c, c => c == StatusCode.OK ? "OK" : CamelToSnake().Replace(c.ToString(), "_$1").ToUpperInvariant());

    /// <summary>A status code as Prometheus label value, e.g. "INVALID_ARGUMENT".</summary>
    public static string StatusName(StatusCode code) => StatusNames[code];

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex CamelToSnake();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var code = StatusCode.Unknown;
        try
        {
            var response = await continuation(request, context);
            code = StatusCode.OK;
            return response;
        }
        catch (RpcException e) { code = e.StatusCode; throw; }
        catch (OperationCanceledException) { code = StatusCode.Cancelled; throw; }
        finally { Count(request, context, code); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var code = StatusCode.Unknown;
        try
        {
            await continuation(request, responseStream, context);
            code = StatusCode.OK;
        }
        catch (RpcException e) { code = e.StatusCode; throw; }
        catch (OperationCanceledException) { code = StatusCode.Cancelled; throw; }
        finally { Count(request, context, code); }
    }

    // "/package.Service/Method" → "Method", cut once per method rather than once per call.
    private static readonly ConcurrentDictionary<string, string> MethodNames = new(StringComparer.Ordinal);

    private void Count(object request, ServerCallContext context, StatusCode code)
    {
        string method = MethodNames.GetOrAdd(context.Method, static m => m[(m.LastIndexOf('/') + 1)..]);
        metrics.Request(method, ModelLabel(request), StatusNames[code]);
        context.GetHttpContext().Items[Internal.GrpcCallGate.CountedKey] = true; // the gate counts only calls that never got here
    }

    /// <summary>The model a request names, as a label: only served names, so requests cannot grow the label set.</summary>
    private string ModelLabel(object request)
    {
        string? name = request switch
        {
            QueryRequest r => r.Model,
            QueryStreamRequest r => r.Model,
            ValidateRequest r => r.Model,
            DescribeModelRequest r => r.Name,
            LoadModelRequest r => r.Name,
            UnloadModelRequest r => r.Name,
            ModelInferRequest r => r.ModelName,
            ModelMetadataRequest r => r.Name,
            ModelReadyRequest r => r.Name,
            ModelConfigRequest r => r.Name,
            ModelStatisticsRequest r => r.Name,
            RepositoryModelLoadRequest r => r.ModelName,
            RepositoryModelUnloadRequest r => r.ModelName,
            _ => null,
        };
        if (name is null) return "";
        return name.Length > 0 && registry.TryGetEntry(name, out _) ? name : ServingMetrics.UnknownModel;
    }
}
