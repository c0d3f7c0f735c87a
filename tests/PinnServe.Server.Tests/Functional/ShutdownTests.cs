using System.Diagnostics;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;
using PinnServe.Server.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PinnServe.Server.Tests.Functional;

/// <summary>What Ctrl-C / SIGTERM do in `pinn serve`: health watchers hear NOT_SERVING, streams end, the host stops promptly.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("shutdown");

    [Fact]
    public async Task Stopping_tells_health_watchers_and_ends_their_streams()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 5);
        await using var server = await PinnServer.StartAsync(new PinnServerOptions { ModelsDirectory = _directory, Address = "127.0.0.1:0", MinimumLogLevel = LogLevel.Warning });
        using var client = new GrpcHttpClient($"127.0.0.1:{server.Port}");
        var seen = new List<ServingStatus>();
        var watching = Task.Run(async () =>
        {
            await foreach (var update in client.ServerStreamingAsync("/grpc.health.v1.Health/Watch", new HealthCheckRequest(), HealthCheckResponse.Parser))
                lock (seen) seen.Add(update.Status);
        });
        while (true) { lock (seen) if (seen.Count > 0) break; await Task.Delay(20); }

        var clock = Stopwatch.StartNew();
        await server.StopAsync();
        await watching.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {clock.Elapsed}");
        Assert.Equal([ServingStatus.Serving, ServingStatus.NotServing], seen);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
