using Grpc.Core;
using PinnServe.Api.Inference;

namespace PinnServe.Server.Inference;

/// <summary>
/// inference.GRPCInferenceService: the Open Inference Protocol (KServe v2) and the Triton extensions over gRPC. A
/// model's coordinates are its input tensors and its fields its output tensors (<see cref="InferenceTensors"/>);
/// versions are the repository's version numbers ("1" for a flat file). The answers are <see cref="OpenInference"/>'s.
/// </summary>
internal sealed class InferenceService(OpenInference inference) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = inference.ServerReady });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = inference.ModelReady(request.Name, request.Version) });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(inference.ServerMetadata());

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(inference.ModelMetadata(request.Name, request.Version));

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context) =>
        inference.InferAsync(request, context.Deadline, context.CancellationToken);

    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context) =>
        Task.FromResult(inference.ModelConfig(request.Name, request.Version));

    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context) =>
        Task.FromResult(inference.ModelStatistics(request.Name, request.Version));

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context) =>
        Task.FromResult(inference.RepositoryIndex(request.RepositoryName, request.Ready));

    public override Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        inference.Load(request.RepositoryName, request.ModelName, request.Parameters.Keys);
        return Task.FromResult(new RepositoryModelLoadResponse());
    }

    public override Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        inference.Unload(request.RepositoryName, request.ModelName, request.Parameters.Keys);
        return Task.FromResult(new RepositoryModelUnloadResponse());
    }
}
