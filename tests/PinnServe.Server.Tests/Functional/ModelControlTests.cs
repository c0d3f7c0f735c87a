using Grpc.Core;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>LoadModel / UnloadModel over gRPC, on servers of their own (they change what is served).</summary>
public sealed class ModelControlTests : IAsyncLifetime
{
    private readonly string _directory = TestModels.NewTempDirectory("control");

    private async Task<PinnServer> Start(bool allowModelControl) => await PinnServer.StartAsync(new PinnServerOptions
    {
        ModelsDirectory = _directory,
        Address = "127.0.0.1:0",
        MinimumLogLevel = LogLevel.Warning,
        AllowModelControl = allowModelControl,
        ReloadPollInterval = TimeSpan.FromMinutes(10),
    });

    public Task InitializeAsync()
    {
        string folder = Path.Combine(_directory, "cavity", "1");
        Directory.CreateDirectory(folder);
        File.Move(TestModels.ExportCavity(folder, "staged", seed: 1), Path.Combine(folder, "model.onnx"));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Unload_then_load_takes_a_model_out_of_service_and_back_with_a_new_version()
    {
        await using var server = await Start(allowModelControl: true);
        using var client = new PinnClient($"127.0.0.1:{server.Port}");
        var query = new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f } };
        Assert.Equal(4, (await client.QueryAsync(query)).Values.Count);

        var unloaded = await client.Fields.UnloadModelAsync(new UnloadModelRequest { Name = "cavity" });
        Assert.Equal(ModelStatus.Unloaded, unloaded.Status);
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(query));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("unloaded", refused.Status.Detail);

        // Version 2 arrives while unloaded; LoadModel serves it.
        string folder = Path.Combine(_directory, "cavity", "2");
        Directory.CreateDirectory(folder);
        File.Move(TestModels.ExportCavity(folder, "staged", seed: 2), Path.Combine(folder, "model.onnx"));
        var loaded = await client.Fields.LoadModelAsync(new LoadModelRequest { Name = "cavity" });
        Assert.Equal((ModelStatus.Serving, 2L), (loaded.Status, loaded.RepositoryVersion));
        Assert.Equal([2L], loaded.ServedVersions);
        Assert.Equal(4, (await client.QueryAsync(query)).Values.Count);

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.Fields.LoadModelAsync(new LoadModelRequest { Name = "nothing" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Model_control_is_refused_unless_the_server_allows_it()
    {
        await using var server = await Start(allowModelControl: false);
        using var client = new PinnClient($"127.0.0.1:{server.Port}");
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.Fields.UnloadModelAsync(new UnloadModelRequest { Name = "cavity" }));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("--model-control", error.Status.Detail);
        Assert.Equal(4, (await client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f } })).Values.Count);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
