using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using Grpc.Reflection.V1Alpha;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>
/// What PinnServe configures in Grpc.AspNetCore, seen from a real client: every service bound and discoverable
/// through reflection, the message size limit, deadlines, gzip requests and unknown methods.
/// </summary>
public class ProtocolTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Reflection_lists_every_service_and_describes_the_field_service()
    {
        using var channel = GrpcChannel.ForAddress($"http://{server.Address}");
        var reflection = new ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "pinnserve.v1.FieldService" });
        await call.RequestStream.CompleteAsync();
        var responses = new List<ServerReflectionResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync()) responses.Add(response);

        var services = responses[0].ListServicesResponse.Service.Select(s => s.Name).Order();
        Assert.Equal(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "inference.GRPCInferenceService", "pinnserve.v1.FieldService"], services);
        var files = responses[1].FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();
        var methods = files.SelectMany(f => f.Service).Single(s => s.Name == "FieldService").Method.Select(m => m.Name);
        Assert.Equal(FieldService.Descriptor.Methods.Select(m => m.Name), methods);
    }

    [Fact]
    public async Task A_request_over_the_message_size_limit_is_resource_exhausted_and_the_server_keeps_serving()
    {
        using var client = new PinnClient(server.Address);
        var request = new QueryRequest { Model = "cavity" };
        request.Points.AddRange(Enumerable.Repeat(0.5f, ServerFixture.MaxReceiveMessageSize / 4 + 16));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(request));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(3, (await client.ListModelsAsync()).Models.Count);
    }

    [Fact]
    public async Task A_stream_past_its_deadline_ends_with_deadline_exceeded()
    {
        using var client = new PinnClient(server.Address);
        var request = new QueryStreamRequest
        {
            Model = "cavity",
            Grid = new GridSpec { Axes = { new GridAxis { Input = "x", Min = 0, Max = 1, Count = 5000 }, new GridAxis { Input = "y", Min = 0, Max = 1, Count = 5000 } } },
        };
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in client.QueryStreamAsync(request, timeout: TimeSpan.FromMilliseconds(200))) { }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_accepted()
    {
        using var channel = GrpcChannel.ForAddress($"http://{server.Address}", new GrpcChannelOptions
        {
            CompressionProviders = [new GzipCompressionProvider(System.IO.Compression.CompressionLevel.Fastest)],
        });
        var client = new FieldService.FieldServiceClient(channel);
        var headers = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var request = new QueryRequest { Model = "cavity", Fields = { "u" } };
        request.Points.AddRange(Enumerable.Repeat(0.5f, 2000));
        var response = await client.QueryAsync(request, headers);
        Assert.Equal(1000u, response.PointCount);
    }

    [Fact]
    public async Task An_unknown_method_is_unimplemented()
    {
        using var channel = GrpcChannel.ForAddress($"http://{server.Address}");
        var method = new Method<ListModelsRequest, ListModelsResponse>(MethodType.Unary, "pinnserve.v1.FieldService", "NoSuchMethod",
            Marshallers.Create(m => m.ToByteArray(), ListModelsRequest.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), ListModelsResponse.Parser.ParseFrom));
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), new ListModelsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }
}
