using System.Diagnostics;
using System.Reflection;
using Grpc.Core;
using PinnServe.Api.Inference;
using PinnServe.Server.Batching;
using PinnServe.Server.Internal;
using PinnServe.Server.Models;
using PinnServe.Server.Services;
using static PinnServe.Server.Services.RpcErrors;
using TensorMetadata = PinnServe.Api.Inference.ModelMetadataResponse.Types.TensorMetadata;

namespace PinnServe.Server.Inference;

/// <summary>
/// The Open Inference Protocol (KServe v2) and the Triton extensions over the model registry, independent of the
/// transport: <see cref="InferenceService"/> answers gRPC with it and <see cref="Rest.RestProtocol"/> HTTP/REST, so
/// both give the same answers and the same errors (as <see cref="RpcException"/> status codes).
/// </summary>
internal sealed class OpenInference(ModelRegistry registry, ServerLimits limits, FieldEvaluator evaluator, ServerShutdown shutdown,
    InferenceStatistics statistics, PinnServerOptions options)
{
    public const string Platform = "onnxruntime_onnx";
    public const string Backend = "onnxruntime";
    /// <summary>Request parameter (bool): evaluate this request on its own instead of merging it with others.</summary>
    public const string NoBatchingParameter = "no_batching";

    /// <summary>The protocol extensions served, by Triton's names (ServerMetadata.extensions).</summary>
    public static readonly string[] Extensions =
        ["binary_tensor_data", "model_configuration", "model_repository", "model_repository(unload_dependents)", "parameters", "statistics"];

    public static readonly string ServerVersion =
        typeof(OpenInference).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Ready while some model serves and the server is not stopping (like the FieldService health status).</summary>
    public bool ServerReady => !shutdown.IsStopping && registry.ServingCount > 0;

    public bool ModelReady(string name, string version)
    {
        bool ready = registry.TryAcquire(name, ParseVersion(name, version), out var lease, out _);
        if (ready) lease.Dispose();
        return ready && !shutdown.IsStopping;
    }

    public ServerMetadataResponse ServerMetadata() => new() { Name = "pinnserve", Version = ServerVersion, Extensions = { Extensions } };

    /// <summary>
    /// FP32, the models' precision, is the datatype advertised (what perf_analyzer and generated clients send); FP64
    /// tensors are accepted too, and the REST metadata lists both (the gRPC TensorMetadata has room for one).
    /// </summary>
    public ModelMetadataResponse ModelMetadata(string name, string version)
    {
        using var lease = Acquire(name, version);
        var response = new ModelMetadataResponse { Name = name, Platform = Platform };
        response.Versions.AddRange(ServedVersions(name).Select(v => v.ToString()));
        response.Inputs.AddRange(lease.Model.InputNames.Select(n => new TensorMetadata { Name = n, Datatype = InferenceTensors.Fp32, Shape = { -1 } }));
        response.Outputs.AddRange(lease.Model.FieldNames.Select(n => new TensorMetadata { Name = n, Datatype = InferenceTensors.Fp32, Shape = { -1 } }));
        return response;
    }

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, DateTime deadline, CancellationToken cancellationToken)
    {
        using var lease = Acquire(request.ModelName, request.ModelVersion);
        long started = Stopwatch.GetTimestamp();
        try
        {
            DecodedInference decoded;
            try { decoded = InferenceTensors.Decode(request, lease.Model, MaxPoints(lease.Entry)); }
            catch (InferenceRequestException e) { throw Error(e.TooLarge ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument, e.Message); }
            var outOfDomain = InferenceTensors.AllowsOutOfDomain(request) ? new List<long>() : null;
            PointChecks.CheckCoordinates(lease.Model, decoded.Points, 0, outOfDomain);
            bool batching = !(request.Parameters.TryGetValue(NoBatchingParameter, out var p) && p.BoolParam);
            var decodedAt = Stopwatch.GetTimestamp();
            var evaluation = await evaluator.EvaluateAsync("ModelInfer", lease, decoded.Points, decoded.Count, decoded.Fields, batching, deadline, cancellationToken);
            var evaluatedAt = Stopwatch.GetTimestamp();
            var response = InferenceTensors.Encode(request, decoded, evaluation.Values, lease.Entry.RepositoryVersion.ToString(), outOfDomain?.Count ?? 0);
            var end = Stopwatch.GetTimestamp();
            statistics.Succeeded(lease.Entry, decoded.Count, evaluation, Stopwatch.GetElapsedTime(started, end),
                Stopwatch.GetElapsedTime(started, decodedAt), Stopwatch.GetElapsedTime(evaluatedAt, end));
            return response;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            statistics.Failed(lease.Entry, Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>Points one inference call may carry: the server's limit, or a smaller max_batch_size from the model's config.pbtxt.</summary>
    public int MaxPoints(ModelEntry entry) =>
        entry.Config?.MaxBatchSize is > 0 and var configured ? Math.Min(configured, limits.MaxInferPoints) : limits.MaxInferPoints;

    public ModelConfigResponse ModelConfig(string name, string version)
    {
        using var lease = Acquire(name, version);
        return new ModelConfigResponse { Config = ModelConfigs.Describe(lease.Entry, lease.Model, MaxPoints(lease.Entry), options.Batching) };
    }

    /// <summary>Statistics of one model (every served version, or one), or of every model when the name is empty.</summary>
    public ModelStatisticsResponse ModelStatistics(string name, string version)
    {
        var response = new ModelStatisticsResponse();
        if (string.IsNullOrEmpty(name))
        {
            foreach (var entry in registry.Entries)
                foreach (long v in ServedVersions(entry.Name)) response.ModelStats.Add(statistics.Read(entry.Name, v));
            return response;
        }
        if (!registry.TryGetEntry(name, out _)) throw Error(StatusCode.NotFound, $"Model '{Echo(name)}' is not served here.");
        long? wanted = ParseVersion(name, version);
        var versions = ServedVersions(name).Where(v => wanted is null || v == wanted).ToArray();
        if (wanted is not null && versions.Length == 0) throw NoSuchVersion(name, wanted.Value);
        foreach (long v in versions) response.ModelStats.Add(statistics.Read(name, v));
        return response;
    }

    public RepositoryIndexResponse RepositoryIndex(string repository, bool readyOnly)
    {
        CheckRepository(repository);
        var response = new RepositoryIndexResponse();
        foreach (var entry in registry.Entries)
        {
            var versions = registry.Versions(entry.Name);
            foreach (var v in versions.Count == 0 ? [entry] : versions)
            {
                string state = v.Unloaded ? "UNLOADED" : v.Loaded is not null ? "READY" : "UNAVAILABLE";
                if (readyOnly && state != "READY") continue;
                response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex { Name = v.Name, Version = v.RepositoryVersion.ToString(), State = state, Reason = v.Error ?? "" });
            }
        }
        return response;
    }

    /// <summary>Triton's load: PinnServe's LoadModel (model control must be on; no config or file overrides).</summary>
    public void Load(string repository, string name, IEnumerable<string> parameters)
    {
        CheckModelControl("RepositoryModelLoad");
        CheckRepository(repository);
        if (parameters.FirstOrDefault() is { } parameter)
            throw Error(StatusCode.InvalidArgument, $"Load parameter '{Echo(parameter)}' is not supported: PinnServe loads the files in its model directory as they are.");
        if (string.IsNullOrEmpty(name)) throw Error(StatusCode.InvalidArgument, "No model name given.");
        var entry = registry.Load(name) ?? throw Error(StatusCode.NotFound, $"Model '{Echo(name)}' is not in the model directory.");
        if (entry.Loaded is null) throw Error(StatusCode.FailedPrecondition, $"Model '{name}' could not be loaded: {entry.Error}");
    }

    /// <summary>Triton's unload: PinnServe's UnloadModel ("unload_dependents" is accepted: PINN models have no dependents).</summary>
    public void Unload(string repository, string name, IEnumerable<string> parameters)
    {
        CheckModelControl("RepositoryModelUnload");
        CheckRepository(repository);
        if (parameters.FirstOrDefault(p => p != "unload_dependents") is { } parameter)
            throw Error(StatusCode.InvalidArgument, $"Unload parameter '{Echo(parameter)}' is not supported (only unload_dependents).");
        if (string.IsNullOrEmpty(name)) throw Error(StatusCode.InvalidArgument, "No model name given.");
        if (!registry.Unload(name)) throw Error(StatusCode.NotFound, $"Model '{Echo(name)}' is not in the model directory.");
    }

    private void CheckModelControl(string method)
    {
        if (!options.AllowModelControl)
            throw Error(StatusCode.PermissionDenied, $"{method} is off on this server; start it with --model-control to allow loading and unloading models.");
    }

    /// <summary>The server has one repository: its model directory, which clients name by leaving the name empty.</summary>
    private static void CheckRepository(string repository)
    {
        if (!string.IsNullOrEmpty(repository))
            throw Error(StatusCode.InvalidArgument, $"Repository '{Echo(repository)}' is not known: this server has one model repository; leave repository_name empty.");
    }

    private IEnumerable<long> ServedVersions(string name) =>
        registry.Versions(name).Where(v => v.Loaded is not null).Select(v => v.RepositoryVersion);

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
            throw NoSuchVersion(name, version.Value);
        }
        throw Error(StatusCode.FailedPrecondition, $"Model '{name}' is not ready: {entry.Error}");
    }

    private RpcException NoSuchVersion(string name, long version)
    {
        string served = string.Join(", ", ServedVersions(name));
        return Error(StatusCode.NotFound, $"Model '{name}' has no served version {version} (served: {(served.Length == 0 ? "none" : served)}).");
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
