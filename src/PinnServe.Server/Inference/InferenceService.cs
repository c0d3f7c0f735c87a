using System.Reflection;
using Grpc.Core;
using PinnServe.Api.Inference;
using PinnServe.Server.Internal;
using PinnServe.Server.Models;
using PinnServe.Server.Services;
using static PinnServe.Server.Services.RpcErrors;
using TensorMetadata = PinnServe.Api.Inference.ModelMetadataResponse.Types.TensorMetadata;

namespace PinnServe.Server.Inference;

/// <summary>
/// inference.GRPCInferenceService, the Open Inference Protocol (KServe v2), over the same registry as
/// pinnserve.v1: a model's coordinates are its input tensors and its fields its output tensors
/// (<see cref="InferenceTensors"/>). Versions are the repository's version numbers ("1" for a flat file).
/// </summary>
internal sealed class InferenceService(ModelRegistry registry, ServerLimits limits, FieldEvaluator evaluator, ServerShutdown shutdown)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    public const string Platform = "onnxruntime_onnx";
    /// <summary>Request parameter (bool): evaluate this request on its own instead of merging it with others.</summary>
    public const string NoBatchingParameter = "no_batching";

    private static readonly string ServerVersion =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    /// <summary>Ready while some model serves and the server is not stopping (like the FieldService health status).</summary>
    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = !shutdown.IsStopping && registry.ServingCount > 0 });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        bool ready = registry.TryAcquire(request.Name, ParseVersion(request.Name, request.Version), out var lease, out _);
        if (ready) lease.Dispose();
        return Task.FromResult(new ModelReadyResponse { Ready = ready && !shutdown.IsStopping });
    }

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = "pinnserve", Version = ServerVersion });

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        using var lease = Acquire(request.Name, request.Version);
        var response = new ModelMetadataResponse { Name = request.Name, Platform = Platform };
        response.Versions.AddRange(registry.Versions(request.Name).Where(v => v.Loaded is not null).Select(v => v.RepositoryVersion.ToString()));
        // FP32 is the models' precision; FP64 tensors are accepted too (docs/server.md).
        response.Inputs.AddRange(lease.Model.InputNames.Select(n => new TensorMetadata { Name = n, Datatype = InferenceTensors.Fp32, Shape = { -1 } }));
        response.Outputs.AddRange(lease.Model.FieldNames.Select(n => new TensorMetadata { Name = n, Datatype = InferenceTensors.Fp32, Shape = { -1 } }));
        return Task.FromResult(response);
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        using var lease = Acquire(request.ModelName, request.ModelVersion);
        DecodedInference decoded;
        try { decoded = InferenceTensors.Decode(request, lease.Model, limits.MaxInferPoints); }
        catch (InferenceRequestException e) { throw Error(e.TooLarge ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument, e.Message); }
        var outOfDomain = InferenceTensors.AllowsOutOfDomain(request) ? new List<long>() : null;
        PointChecks.CheckCoordinates(lease.Model, decoded.Points, 0, outOfDomain);
        bool batching = !(request.Parameters.TryGetValue(NoBatchingParameter, out var p) && p.BoolParam);
        var values = await evaluator.EvaluateAsync("ModelInfer", lease, decoded.Points, decoded.Count, decoded.Fields, batching, context.CancellationToken);
        return InferenceTensors.Encode(request, decoded, values, lease.Entry.RepositoryVersion.ToString(), outOfDomain?.Count ?? 0);
    }

    /// <summary>A served model version for one call: NOT_FOUND for unknown names and versions, FAILED_PRECONDITION when not serving.</summary>
    private ModelLease Acquire(string name, string versionText)
    {
        if (string.IsNullOrEmpty(name)) throw Error(StatusCode.InvalidArgument, "No model name given.");
        long? version = ParseVersion(name, versionText);
        if (registry.TryAcquire(name, version, out var lease, out var entry)) return lease;
        if (entry is null)
        {
            if (version is null || !registry.TryGetEntry(name, out _))
                throw Error(StatusCode.NotFound, $"Model '{Echo(name)}' is not served here.");
            string served = string.Join(", ", registry.Versions(name).Where(v => v.Loaded is not null).Select(v => v.RepositoryVersion));
            throw Error(StatusCode.NotFound, $"Model '{name}' has no served version {version} (served: {(served.Length == 0 ? "none" : served)}).");
        }
        throw Error(StatusCode.FailedPrecondition, $"Model '{name}' is not ready: {entry.Error}");
    }

    /// <summary>Empty: the default version. Versions are repository numbers; anything else names no version.</summary>
    private static long? ParseVersion(string name, string text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        return VersionPolicy.TryParseVersion(text, out long version)
            ? version
            : throw Error(StatusCode.NotFound, $"Model '{Echo(name)}' has no version '{Echo(text)}': versions are whole numbers (ModelMetadata lists them).");
    }
}
