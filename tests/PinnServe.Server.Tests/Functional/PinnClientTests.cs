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
}
