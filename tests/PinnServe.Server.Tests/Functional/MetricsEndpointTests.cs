using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>/metrics on its own HTTP/1.1 port, read as Prometheus would.</summary>
public class MetricsEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Calls_show_up_in_the_scrape_by_method_model_and_status()
    {
        using var client = new PinnClient(server.Address);
        await client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f, 0.25f, 0.25f } });
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.QueryAsync(new QueryRequest { Model = "no-such-model", Points = { 0.5f, 0.5f } }));
        await client.Inference.ModelInferAsync(new Api.Inference.ModelInferRequest
        {
            ModelName = "cavity",
            Inputs =
            {
                new Api.Inference.ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1 }, Contents = new() { Fp32Contents = { 0.5f } } },
                new Api.Inference.ModelInferRequest.Types.InferInputTensor { Name = "y", Datatype = "FP32", Shape = { 1 }, Contents = new() { Fp32Contents = { 0.5f } } },
            },
        });

        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version11 };
        using var response = await http.GetAsync(server.MetricsUrl);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Matches("pinnserve_requests_total\\{method=\"Query\",model=\"cavity\",status=\"OK\"\\} [1-9]", text);
        Assert.Matches("pinnserve_requests_total\\{method=\"Query\",model=\"_unknown\",status=\"NOT_FOUND\"\\} [1-9]", text);
        Assert.Matches("pinnserve_requests_total\\{method=\"ModelInfer\",model=\"cavity\",status=\"OK\"\\} [1-9]", text);
        Assert.Matches("pinnserve_points_total\\{method=\"Query\",model=\"cavity\"\\} [1-9]", text);
        Assert.Contains("pinnserve_queue_seconds_bucket{model=\"cavity\",le=", text);
        Assert.Contains("pinnserve_models{state=\"serving\"} 2", text);
        Assert.Contains("pinnserve_models{state=\"failed\"} 1", text);
        Assert.Contains("pinnserve_onnxruntime_sessions 2", text);
        Assert.DoesNotContain("no-such-model", text);
    }

    [Fact]
    public async Task The_grpc_port_does_not_serve_metrics()
    {
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.GetAsync($"http://{server.Address}/metrics");
        Assert.NotEqual(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
