using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using PinnServe.Api.Inference;
using PinnServe.Api.V1;
using PinnServe.Client;
using InputTensor = PinnServe.Api.Inference.ModelInferRequest.Types.InferInputTensor;

namespace PinnServe.Server.Tests.Functional;

/// <summary>inference.GRPCInferenceService over the wire, against the same models pinnserve.v1 serves.</summary>
public class InferenceProtocolTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly float[] X = [0.1f, 0.5f, 0.9f], Y = [0.2f, 0.4f, 0.6f];

    private static ModelInferRequest TypedRequest(string model)
    {
        var request = new ModelInferRequest { ModelName = model, Id = "42" };
        foreach (var (name, values) in new[] { ("y", Y), ("x", X) })
            request.Inputs.Add(new InputTensor { Name = name, Datatype = "FP32", Shape = { values.Length }, Contents = new InferTensorContents { Fp32Contents = { values } } });
        return request;
    }

    private async Task<QueryResponse> Reference(PinnClient client, params string[] fields)
    {
        var request = new QueryRequest { Model = "cavity", NoBatching = true, Fields = { fields } };
        for (int i = 0; i < X.Length; i++) request.Points.Add([X[i], Y[i]]);
        return await client.QueryAsync(request);
    }

    [Fact]
    public async Task ModelInfer_gives_the_fields_Query_gives_bit_for_bit()
    {
        using var client = new PinnClient(server.Address);
        var expected = await Reference(client, "u", "v", "p", "psi");
        var response = await client.Inference.ModelInferAsync(TypedRequest("cavity"));

        Assert.Equal(("cavity", "1", "42"), (response.ModelName, response.ModelVersion, response.Id));
        Assert.Equal(["u", "v", "p", "psi"], response.Outputs.Select(o => o.Name));
        for (int f = 0; f < 4; f++)
        {
            Assert.Equal("FP32", response.Outputs[f].Datatype);
            Assert.Equal([3L], response.Outputs[f].Shape);
            var column = Enumerable.Range(0, 3).Select(i => expected.Values[i * 4 + f]);
            Assert.Equal(column.Select(BitConverter.SingleToInt32Bits), response.Outputs[f].Contents.Fp32Contents.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public async Task Raw_fp64_requests_get_raw_fp64_answers()
    {
        using var client = new PinnClient(server.Address);
        var expected = await Reference(client, "p");
        var request = new ModelInferRequest { ModelName = "cavity", Outputs = { new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "p" } } };
        foreach (var (name, values) in new[] { ("x", X), ("y", Y) })
        {
            request.Inputs.Add(new InputTensor { Name = name, Datatype = "FP64", Shape = { values.Length, 1 } });
            request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.Select(v => (double)v).ToArray().AsSpan())));
        }
        var response = await client.Inference.ModelInferAsync(request);
        var p = MemoryMarshal.Cast<byte, double>(response.RawOutputContents.Single().Span).ToArray();
        Assert.Equal(expected.Values.Select(v => (double)v), p);
        Assert.Equal([3L, 1L], response.Outputs.Single().Shape);
    }

    [Fact]
    public async Task Metadata_and_readiness_describe_the_served_models()
    {
        using var client = new PinnClient(server.Address);
        var inference = client.Inference;
        Assert.True((await inference.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await inference.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.Equal("pinnserve", (await inference.ServerMetadataAsync(new ServerMetadataRequest())).Name);
        Assert.True((await inference.ModelReadyAsync(new ModelReadyRequest { Name = "cavity" })).Ready);
        Assert.True((await inference.ModelReadyAsync(new ModelReadyRequest { Name = "cavity", Version = "1" })).Ready);
        Assert.False((await inference.ModelReadyAsync(new ModelReadyRequest { Name = "broken" })).Ready);
        Assert.False((await inference.ModelReadyAsync(new ModelReadyRequest { Name = "nothing" })).Ready);

        var metadata = await inference.ModelMetadataAsync(new ModelMetadataRequest { Name = "cavity" });
        Assert.Equal(("cavity", "onnxruntime_onnx"), (metadata.Name, metadata.Platform));
        Assert.Equal(["1"], metadata.Versions);
        Assert.Equal(["x", "y"], metadata.Inputs.Select(i => i.Name));
        Assert.Equal(["u", "v", "p", "psi"], metadata.Outputs.Select(i => i.Name));
        Assert.All(metadata.Inputs.Concat(metadata.Outputs), t => { Assert.Equal("FP32", t.Datatype); Assert.Equal([-1L], t.Shape); });
    }

    [Fact]
    public async Task Bad_requests_get_the_protocol_status_codes()
    {
        using var client = new PinnClient(server.Address);
        var inference = client.Inference;
        async Task<RpcException> Fails(ModelInferRequest request) => await Assert.ThrowsAsync<RpcException>(async () => await inference.ModelInferAsync(request));

        var unknown = await Fails(TypedRequest("nothing"));
        Assert.Equal((StatusCode.NotFound, "Model 'nothing' is not served here."), (unknown.StatusCode, unknown.Status.Detail));
        var version = TypedRequest("cavity");
        version.ModelVersion = "7";
        Assert.Equal((StatusCode.NotFound, "Model 'cavity' has no served version 7 (served: 1)."), ((await Fails(version)).StatusCode, (await Fails(version)).Status.Detail));
        Assert.Equal(StatusCode.FailedPrecondition, (await Fails(TypedRequest("broken"))).StatusCode);
        var outside = TypedRequest("cavity");
        outside.Inputs[1].Contents.Fp32Contents[0] = 2f;
        var domain = await Fails(outside);
        Assert.Equal(StatusCode.InvalidArgument, domain.StatusCode);
        Assert.Contains("x = 2 is not in [0, 1]", domain.Status.Detail);
        outside.Parameters["allow_out_of_domain"] = new InferParameter { BoolParam = true };
        var extrapolated = await inference.ModelInferAsync(outside);
        Assert.Equal(1, extrapolated.Parameters["out_of_domain_count"].Int64Param);
        var badType = TypedRequest("cavity");
        badType.Inputs[0].Datatype = "INT64";
        Assert.Equal(StatusCode.InvalidArgument, (await Fails(badType)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_small_queries_are_answered_exactly_as_alone()
    {
        using var client = new PinnClient(server.Address);
        var random = new Random(5);
        var points = Enumerable.Range(0, 64).Select(_ => new[] { (float)random.NextDouble(), (float)random.NextDouble() }).ToArray();
        var alone = await Task.WhenAll(points.Select(p => client.QueryAsync(new QueryRequest { Model = "cavity", Points = { p }, NoBatching = true })));
        var batched = await Task.WhenAll(points.Select(p => client.QueryAsync(new QueryRequest { Model = "cavity", Points = { p } })));
        for (int i = 0; i < points.Length; i++)
            Assert.Equal(alone[i].Values.Select(BitConverter.SingleToInt32Bits), batched[i].Values.Select(BitConverter.SingleToInt32Bits));
    }
}
