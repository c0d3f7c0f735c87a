using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;
using PinnServe.Server.Internal;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PinnServe.Server.Tests.Functional;

/// <summary>
/// What Ctrl-C / SIGTERM do in `pinn serve` (both call <see cref="PinnServer.StopAsync"/>): health watchers hear
/// NOT_SERVING, then their streams end; a long QueryStream ends with UNAVAILABLE from the server itself, not
/// with a connection cut when the host's shutdown timeout runs out.
/// </summary>
public sealed class ShutdownTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private readonly string _directory = TestModels.NewTempDirectory("shutdown");

    private async Task<PinnServer> StartAsync()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 5);
        return await PinnServer.StartAsync(new PinnServerOptions { ModelsDirectory = _directory, Address = "127.0.0.1:0", MinimumLogLevel = LogLevel.Warning });
    }

    [Fact]
    public async Task Stopping_tells_health_watchers_and_ends_their_streams()
    {
        await using var server = await StartAsync();
        using var client = new PinnClient($"127.0.0.1:{server.Port}");
        var seen = new List<ServingStatus>();
        var firstUpdate = new TaskCompletionSource();
        var watching = Task.Run(async () =>
        {
            using var call = client.Health.Watch(new HealthCheckRequest());
            await foreach (var update in call.ResponseStream.ReadAllAsync())
            {
                lock (seen) seen.Add(update.Status);
                firstUpdate.TrySetResult();
            }
        });
        await firstUpdate.Task.WaitAsync(Generous);

        await server.StopAsync().WaitAsync(Generous);
        await watching.WaitAsync(Generous); // the stream ended (with OK): it was not left to the shutdown timeout

        Assert.Equal([ServingStatus.Serving, ServingStatus.NotServing], seen);
    }

    [Fact]
    public async Task A_long_stream_ends_with_unavailable_from_the_server_when_it_stops()
    {
        await using var server = await StartAsync();
        using var client = new PinnClient($"127.0.0.1:{server.Port}");
        // 10^8 points: minutes of streaming, read as fast as it comes (like the outside client that found the defect).
        var request = new QueryStreamRequest
        {
            Model = "cavity",
            ChunkPoints = 1024,
            Grid = new GridSpec { Axes = { new GridAxis { Input = "x", Max = 1, Count = 10_000 }, new GridAxis { Input = "y", Max = 1, Count = 10_000 } } },
        };
        using var call = client.Fields.QueryStream(request);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
        });
        var stopping = server.StopAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => reading.WaitAsync(Generous));
        await stopping.WaitAsync(Generous);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(ShutdownInterceptor.ShuttingDownMessage, error.Status.Detail);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
