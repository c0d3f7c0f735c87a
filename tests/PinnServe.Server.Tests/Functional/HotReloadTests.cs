using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>Models replaced on disk while clients query: every call succeeds, and each new version gets served.</summary>
public sealed class HotReloadTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
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

        var served = new List<string> { (await client.DescribeModelAsync("cavity")).Version };
        for (int seed = 11; seed <= 14; seed++)
        {
            // Let some calls run on the current version, then publish the next one the way `pinn export` does:
            // export elsewhere, then rename over the served file (atomic).
            int before = Volatile.Read(ref calls);
            await WaitUntil(() => Volatile.Read(ref calls) >= before + 20 || !errors.IsEmpty);
            string staging = TestModels.NewTempDirectory("staging");
            string fresh = TestModels.ExportCavity(staging, "cavity", seed);
            File.Move(fresh, Path.Combine(_directory, "cavity.onnx"), overwrite: true);
            Directory.Delete(staging, true);
            string previous = served[^1];
            await WaitUntil(() => client.DescribeModelAsync("cavity").GetAwaiter().GetResult().Version != previous);
            served.Add((await client.DescribeModelAsync("cavity")).Version);
            await WaitUntil(() => versions.ContainsKey(served[^1]) || !errors.IsEmpty); // the load has met the new version
        }
        stop.Cancel();
        await Task.WhenAll(load).WaitAsync(Generous);

        Assert.Empty(errors);
        Assert.Equal(5, served.Distinct().Count());
        Assert.All(served, v => Assert.True(versions.ContainsKey(v), $"version {v} was never seen by the load"));
    }

    /// <summary>Polls a condition until it holds; fails only after a generous time-out (never a timing assertion).</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Generous);
        while (!condition())
        {
            if (timeout.IsCancellationRequested) Assert.Fail("The condition did not hold within the generous time-out.");
            await Task.Delay(20);
        }
    }

    private static GridAxis Axis(string name, uint count) => new() { Input = name, Min = 0, Max = 1, Count = count };

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
