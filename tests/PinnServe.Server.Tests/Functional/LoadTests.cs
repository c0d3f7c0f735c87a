using System.Collections.Concurrent;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>
/// Runs alone: the memory check reads the whole test process's managed heap, which tests of other classes running at
/// the same time would grow (a CI run saw 48 MiB from them).
/// </summary>
[CollectionDefinition(nameof(AloneCollection), DisableParallelization = true)]
public sealed class AloneCollection;

/// <summary>Bounded loopback load: many concurrent clients, thousands of calls, no errors, no memory growth.</summary>
[Collection(nameof(AloneCollection))]
public class LoadTests(ServerFixture server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const int Clients = 32;
    private const int CallsPerClient = 100;
    private const long Bound = 32 * 1024 * 1024;

    [Fact]
    public async Task Thousands_of_concurrent_calls_succeed_without_memory_growth()
    {
        using var client = new PinnClient(server.Address);
        var errors = new ConcurrentQueue<string>();
        // Warm-up with the same load: JIT, the connection, and the pools (Kestrel's memory pool, ArrayPool buckets,
        // HTTP/2 buffers) grow with how many calls overlap, which depends on how busy the machine is. A leak grows
        // with the number of calls; those pools stop growing once they have seen the load, so measure a second round.
        await RunAsync(client, CallsPerClient, errors);
        long before = SettledMemory();

        int calls = await RunAsync(client, CallsPerClient, errors);
        long growth = SettledMemory() - before;
        if (growth >= Bound)
        {
            // Pools may still grow if this round overlapped more calls than the warm-up did (a slow moment of the
            // machine); a leak grows again with every round, pools do not. Judge by one more round.
            before = SettledMemory();
            calls = await RunAsync(client, CallsPerClient, errors);
            growth = SettledMemory() - before;
        }

        Assert.Empty(errors);
        Assert.Equal(Clients * CallsPerClient, calls);
        Assert.True(growth < Bound, $"managed memory grew by {growth / 1024} KiB over {calls} calls");
        output.WriteLine($"load test: {calls} calls, managed memory growth {growth / 1024} KiB");
    }

    /// <summary>Each client mixes 1-point and 100-point queries with a small streamed grid every tenth call.</summary>
    private static async Task<int> RunAsync(PinnClient client, int callsPerClient, ConcurrentQueue<string> errors)
    {
        int completed = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            for (int i = 0; i < callsPerClient; i++)
            {
                try
                {
                    if (i % 10 == 9)
                    {
                        long points = 0;
                        var grid = new GridSpec { Axes = { Axis("x", 20), Axis("y", 20) } };
                        await foreach (var chunk in client.QueryStreamAsync(new QueryStreamRequest { Model = "cavity", Grid = grid, ChunkPoints = 100 }))
                            points += chunk.PointCount;
                        if (points != 400) errors.Enqueue($"stream returned {points} points");
                    }
                    else
                    {
                        int n = i % 2 == 0 ? 1 : 100;
                        var request = new QueryRequest { Model = "cavity", Fields = { "u", "v" } };
                        for (int k = 0; k < 2 * n; k++) request.Points.Add((float)random.NextDouble());
                        var response = await client.QueryAsync(request, timeout: TimeSpan.FromSeconds(30));
                        if (response.Values.Count != 2 * n) errors.Enqueue($"query returned {response.Values.Count} values");
                    }
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e.Message);
                }
            }
        })));
        return completed;
    }

    private static GridAxis Axis(string name, uint count) => new() { Input = name, Min = 0, Max = 1, Count = count };

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
