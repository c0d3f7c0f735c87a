using System.Diagnostics;
using Grpc.Core;
using PinnServe.Api.V1;
using PinnServe.Server.Metrics;
using PinnServe.Server.Models;
using static PinnServe.Server.Services.RpcErrors;

namespace PinnServe.Server.Services;

/// <summary>pinnserve.v1.FieldService: model listing, field queries (unary and streamed) and validation.</summary>
/// <remarks>Created per call by Grpc.AspNetCore; the registry, limits, evaluator and metrics are the server's singletons.</remarks>
internal sealed class FieldService(ModelRegistry registry, ServerLimits limits, FieldEvaluator evaluator, ServingMetrics metrics, PinnServerOptions options)
    : Api.V1.FieldService.FieldServiceBase
{
    public static readonly string ServiceName = Api.V1.FieldService.Descriptor.FullName;
    private const int ValidationChunkPoints = 65536;

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        response.Models.AddRange(registry.Entries.Select(e => ModelDescriptions.Describe(e, registry.Versions(e.Name))));
        return Task.FromResult(response);
    }

    public override Task<ModelInfo> DescribeModel(DescribeModelRequest request, ServerCallContext context)
    {
        CheckModelName(request.Name);
        if (!registry.TryGetEntry(request.Name, out var entry)) throw ModelNotFound(request.Name);
        return Task.FromResult(ModelDescriptions.Describe(entry, registry.Versions(entry.Name)));
    }

    public override async Task<QueryResponse> Query(QueryRequest request, ServerCallContext context)
    {
        using var lease = Acquire(request.Model);
        var model = lease.Model;
        var fields = PointChecks.ResolveFields(model, request.Model, request.Fields);
        int count = PointChecks.CountPoints(model, request.Model, request.Points.Count, limits.MaxQueryPoints, "Query");
        var points = new float[request.Points.Count];
        request.Points.CopyTo(points, 0);
        var outOfDomain = request.AllowOutOfDomain ? new List<long>() : null;
        PointChecks.CheckCoordinates(model, points, 0, outOfDomain);

        var values = (await evaluator.EvaluateAsync("Query", lease, points, count, fields, !request.NoBatching, context.Deadline, context.CancellationToken)).Values;
        var response = new QueryResponse { PointCount = (uint)count, ModelVersion = lease.Version };
        response.Fields.AddRange(fields);
        response.Values.AddRange(values);
        if (outOfDomain is not null) response.OutOfDomainPoints.AddRange(outOfDomain.Select(i => (uint)i));
        return response;
    }

    public override async Task QueryStream(QueryStreamRequest request, IServerStreamWriter<QueryChunk> stream, ServerCallContext context)
    {
        using var lease = Acquire(request.Model);
        var model = lease.Model;
        var fields = PointChecks.ResolveFields(model, request.Model, request.Fields);
        var source = StreamedPoints.Create(request, model, limits);
        int chunkPoints = ChunkSize(request.ChunkPoints, fields.Length);
        int dims = model.InputNames.Count;
        var points = new float[chunkPoints * dims];
        var values = new float[chunkPoints * fields.Length];

        // Everything is validated before the first chunk leaves, so a stream never fails half-way on bad input.
        for (long first = 0; first < source.Count; first += chunkPoints)
        {
            int n = (int)Math.Min(chunkPoints, source.Count - first);
            var chunkValues = n == chunkPoints ? values : new float[n * fields.Length];
            var chunkCoordinates = points.AsSpan(0, n * dims);
            source.Fill(first, n, chunkCoordinates);
            long started = Stopwatch.GetTimestamp();
            model.Evaluate(chunkCoordinates, n, fields, chunkValues);
            metrics.Streamed("QueryStream", lease.Entry.Name, n, Stopwatch.GetElapsedTime(started));

            var chunk = new QueryChunk { FirstPoint = (ulong)first, PointCount = (uint)n };
            chunk.Values.AddRange(chunkValues);
            chunk.OutOfDomainPoints.AddRange(source.OutOfDomain(first, n, chunkCoordinates).Select(i => (ulong)i));
            if (first == 0)
            {
                chunk.Fields.AddRange(fields);
                chunk.ModelVersion = lease.Version;
            }
            // The token fires on client cancellation, the deadline and server shutdown (ShutdownInterceptor): checked
            // between chunks, so a stopping server ends the stream with a status after the chunk in flight. (Not
            // passed to WriteAsync: cancelling a write resets the HTTP/2 stream, and the client sees no status.)
            context.CancellationToken.ThrowIfCancellationRequested();
            await stream.WriteAsync(chunk);
        }
    }

    public override Task<ValidateResponse> Validate(ValidateRequest request, ServerCallContext context)
    {
        using var lease = Acquire(request.Model);
        var model = lease.Model;
        var table = request.ReferenceCase switch
        {
            ValidateRequest.ReferenceOneofCase.Data => FromRequest(request.Data, model, request.Model),
            ValidateRequest.ReferenceOneofCase.Dataset => FromDataset(lease.Entry, request.Dataset, model),
            _ => throw Error(StatusCode.InvalidArgument, "Give reference data or the name of a reference data set."),
        };
        var outOfDomain = new List<long>();
        PointChecks.CheckCoordinates(model, table.Points, 0, outOfDomain);

        var errors = new FieldErrorAccumulator(table.Fields.Length);
        int dims = model.InputNames.Count;
        var predicted = new float[Math.Min(ValidationChunkPoints, table.PointCount) * table.Fields.Length];
        for (int first = 0; first < table.PointCount; first += ValidationChunkPoints)
        {
            int n = Math.Min(ValidationChunkPoints, table.PointCount - first);
            var output = predicted.AsSpan(0, n * table.Fields.Length);
            long started = Stopwatch.GetTimestamp();
            model.Evaluate(table.Points.AsSpan(first * dims, n * dims), n, table.Fields, output);
            metrics.Streamed("Validate", lease.Entry.Name, n, Stopwatch.GetElapsedTime(started));
            errors.Add(output, table.Values.AsSpan(first * table.Fields.Length, n * table.Fields.Length));
        }
        var response = new ValidateResponse
        {
            PointCount = (uint)table.PointCount,
            ModelVersion = lease.Version,
            OutOfDomainCount = (uint)outOfDomain.Count,
        };
        for (int f = 0; f < table.Fields.Length; f++)
            response.Fields.Add(new FieldError { Field = table.Fields[f], RelL2 = errors.RelativeL2(f), MaxAbsError = errors.MaxAbs(f) });
        return Task.FromResult(response);
    }

    public override Task<ModelInfo> LoadModel(LoadModelRequest request, ServerCallContext context)
    {
        CheckModelControl("LoadModel");
        CheckModelName(request.Name);
        var entry = registry.Load(request.Name) ?? throw ModelNotFound(request.Name);
        if (entry.Loaded is null) throw Error(StatusCode.FailedPrecondition, $"Model '{request.Name}' could not be loaded: {entry.Error}");
        return Task.FromResult(ModelDescriptions.Describe(entry, registry.Versions(entry.Name)));
    }

    public override Task<ModelInfo> UnloadModel(UnloadModelRequest request, ServerCallContext context)
    {
        CheckModelControl("UnloadModel");
        CheckModelName(request.Name);
        if (!registry.Unload(request.Name) || !registry.TryGetEntry(request.Name, out var entry)) throw ModelNotFound(request.Name);
        return Task.FromResult(ModelDescriptions.Describe(entry, registry.Versions(entry.Name)));
    }

    private void CheckModelControl(string method)
    {
        if (!options.AllowModelControl)
            throw Error(StatusCode.PermissionDenied, $"{method} is off on this server; start it with --model-control to allow loading and unloading models.");
    }

    private static ReferenceTable FromRequest(ReferenceData data, IFieldModel model, string modelName)
    {
        if (data.Fields.Count == 0) throw Error(StatusCode.InvalidArgument, "The reference data names no fields.");
        var fields = PointChecks.ResolveFields(model, modelName, data.Fields);
        int count = PointChecks.CountPoints(model, modelName, data.Points.Count, int.MaxValue, "Validate");
        if (data.Values.Count != count * fields.Length)
            throw Error(StatusCode.InvalidArgument,
                $"The reference data has {data.Values.Count} values; {count} points x {fields.Length} fields need {count * fields.Length}.");
        if (data.Values.Any(v => !float.IsFinite(v)))
            throw Error(StatusCode.InvalidArgument, "The reference values contain NaN or infinity.");
        return new ReferenceTable(data.Points.ToArray(), fields, data.Values.ToArray());
    }

    private ReferenceTable FromDataset(ModelEntry entry, string dataset, IFieldModel model)
    {
        string path = registry.ReferenceDatasetPath(entry, dataset)
            ?? throw Error(StatusCode.NotFound,
                $"Model '{entry.Name}' has no reference data set '{Echo(dataset)}' (available: {(entry.ReferenceDatasets.Count == 0 ? "none" : string.Join(", ", entry.ReferenceDatasets))}).");
        return ReferenceTable.ReadCsv(path, model, dataset);
    }

    /// <summary>Chunk size: the request's or the default, capped so one message stays within MaxChunkBytes.</summary>
    private int ChunkSize(uint requested, int fieldCount)
    {
        int cap = Math.Max(1, limits.MaxChunkBytes / (sizeof(float) * fieldCount));
        return (int)Math.Min(requested == 0 ? limits.DefaultChunkPoints : requested, cap);
    }

    private ModelLease Acquire(string name)
    {
        CheckModelName(name);
        if (registry.TryAcquire(name, out var lease, out var entry)) return lease;
        if (entry is null) throw ModelNotFound(name);
        throw Error(StatusCode.FailedPrecondition, entry.Unloaded ? $"Model '{name}' is unloaded: {entry.Error}" : $"Model '{name}' failed to load: {entry.Error}");
    }

    private static void CheckModelName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw Error(StatusCode.InvalidArgument, "No model name given.");
    }

    private static RpcException ModelNotFound(string name) =>
        Error(StatusCode.NotFound, $"Model '{Echo(name)}' is not served here; ListModels shows the served models.");
}
