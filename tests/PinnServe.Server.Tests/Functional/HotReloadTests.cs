using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Server.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>Models replaced on disk while clients query: every call succeeds, and the new versions get served.</summary>
public sealed class HotReloadTests : IAsyncLifetime
{
    private readonly string _directory = TestModels.NewTempDirectory("reload");
    private PinnServer _server = null!;

    public async Task InitializeAsync()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 10);
        _server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = _directory,
            Address = "127.0.0.1:0",
            ReloadDebounce = TimeSpan.FromMilliseconds(50),
            MinimumLogLevel = LogLevel.Warning,
        });
    }

    [Fact]
    public async Task Replacing_the_model_under_load_fails_no_call()
    {
        using var client = new PinnClient($"127.0.0.1:{_server.Port}");
        var versions = new ConcurrentDictionary<string, int>();
        var errors = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        int calls = 0;

        var load = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (c % 4 == 3)
                    {
                        var grid = new GridSpec { Axes = { Axis("x", 64), Axis("y", 64) } };
                        await foreach (var chunk in client.QueryStreamAsync(new QueryStreamRequest { Model = "cavity", Grid = grid, ChunkPoints = 512 }))
                            if (chunk.FirstPoint == 0) versions.AddOrUpdate(chunk.ModelVersion, 1, (_, n) => n + 1);
                    }
                    else
                    {
                        var response = await client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.25f, 0.75f } });
                        versions.AddOrUpdate(response.ModelVersion, 1, (_, n) => n + 1);
                    }
                    Interlocked.Increment(ref calls);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e.Message);
                }
            }
        })).ToArray();

        for (int seed = 11; seed <= 14; seed++)
        {
            await Task.Delay(300);
            // Export elsewhere, then rename over the served file: the way `pinn export` publishes (atomic).
            string staging = TestModels.NewTempDirectory("staging");
            string fresh = TestModels.ExportCavity(staging, "cavity", seed);
            File.Move(fresh, Path.Combine(_directory, "cavity.onnx"), overwrite: true);
            Directory.Delete(staging, true);
        }
        await Task.Delay(600);
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.Empty(errors);
        Assert.True(calls > 100, $"only {calls} calls completed");
        Assert.True(versions.Count >= 2, $"served versions: {string.Join(", ", versions.Keys)}");
    }

    private static GridAxis Axis(string name, uint count) => new() { Input = name, Min = 0, Max = 1, Count = count };

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
