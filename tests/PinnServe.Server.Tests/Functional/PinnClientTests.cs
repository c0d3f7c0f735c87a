using Grpc.Core;
using Grpc.Health.V1;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>The C# client behind `pinn query` and `pinn bench-serve` (PinnServe.Client on Grpc.Net.Client).</summary>
public class PinnClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Unary_calls_round_trip()
    {
        using var client = new PinnClient(server.Address);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.CheckHealthAsync()).Status);
        var response = await client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f, 0.25f, 0.75f } });
        Assert.Equal(8, response.Values.Count);
        Assert.Equal(2u, response.PointCount);
    }

    [Fact]
    public async Task Streamed_chunks_arrive_in_order()
    {
        using var client = new PinnClient(server.Address);
        var grid = new GridSpec { Axes = { new GridAxis { Input = "x", Max = 1, Count = 30 }, new GridAxis { Input = "y", Max = 1, Count = 30 } } };
        ulong next = 0;
        await foreach (var chunk in client.QueryStreamAsync(new QueryStreamRequest { Model = "cavity", Grid = grid, ChunkPoints = 128, Fields = { "p" } }))
        {
            Assert.Equal(next, chunk.FirstPoint);
            Assert.Equal((int)chunk.PointCount, chunk.Values.Count);
            next += chunk.PointCount;
        }
        Assert.Equal(900ul, next);
    }

    [Fact]
    public async Task Error_statuses_surface_with_code_and_decoded_message()
    {
        using var client = new PinnClient(server.Address);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f }, Fields = { "ψ 100%" } }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Unknown field 'ψ 100%'", error.Status.Detail); // percent-encoded on the wire, decoded here
        var streamError = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in client.QueryStreamAsync(new QueryStreamRequest { Model = "missing", Points = new PointList { Coordinates = { 0.5f, 0.5f } } })) { }
        });
        Assert.Equal(StatusCode.NotFound, streamError.StatusCode);
    }

    [Fact]
    public void A_read_aborted_past_the_deadline_is_deadline_exceeded_and_nothing_else_changes()
    {
        var due = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var aborted = new RpcException(new Status(StatusCode.Unavailable, "Error reading next message.", new IOException("The request was aborted.")));

        var resolved = DeadlineRace.Resolve(aborted, due, due.AddMilliseconds(1));
        Assert.Equal(StatusCode.DeadlineExceeded, resolved.StatusCode);
        Assert.Contains("Error reading next message.", resolved.Status.Detail);
        Assert.IsType<IOException>(resolved.Status.DebugException);

        Assert.Same(aborted, DeadlineRace.Resolve(aborted, due, due.AddMilliseconds(-1))); // before the deadline: a real outage
        Assert.Same(aborted, DeadlineRace.Resolve(aborted, null, due));                     // no deadline set
        var invalid = new RpcException(new Status(StatusCode.InvalidArgument, "bad"));
        Assert.Same(invalid, DeadlineRace.Resolve(invalid, due, due.AddSeconds(1)));        // other statuses pass through
    }
}
