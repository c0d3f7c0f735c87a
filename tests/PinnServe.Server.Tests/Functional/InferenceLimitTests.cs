using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using PinnServe.Api.Inference;
using InputTensor = PinnServe.Api.Inference.ModelInferRequest.Types.InferInputTensor;

namespace PinnServe.Server.Tests.Functional;

/// <summary>
/// The documented ModelInfer point limit can be sent (issue 33, defect 9): with the server's default limits, a request
/// of <see cref="ServerLimits.MaxInferPoints"/> FP64 points is answered, and one more point is RESOURCE_EXHAUSTED naming
/// the limit rather than a message-size error.
/// </summary>
public sealed class InferenceLimitTests : IAsyncLifetime
{
    private readonly string _directory = TestModels.NewTempDirectory("limits");
    private PinnServer _server = null!;
    private static readonly int Limit = new ServerLimits().MaxInferPoints;

    public async Task InitializeAsync()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 1);
        _server = await PinnServer.StartAsync(new PinnServerOptions { ModelsDirectory = _directory, Address = "127.0.0.1:0", MinimumLogLevel = LogLevel.Warning });
    }

    private static ModelInferRequest Request(int points)
    {
        var coordinates = new double[points];
        for (int i = 0; i < points; i++) coordinates[i] = (i % 1000) / 1000.0;
        var bytes = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(coordinates.AsSpan()));
        return new ModelInferRequest
        {
            ModelName = "cavity",
            Inputs = { new InputTensor { Name = "x", Datatype = "FP64", Shape = { points } }, new InputTensor { Name = "y", Datatype = "FP64", Shape = { points } } },
            Outputs = { new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "u" } },
            RawInputContents = { bytes, bytes },
        };
    }

    [Fact]
    public async Task The_documented_point_limit_fits_in_a_message_and_one_more_point_is_refused_by_the_limit()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.Port}", new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = Request(Limit);
        Assert.True(request.CalculateSize() > new ServerLimits().MaxReceiveMessageSize, "the request must exceed the other methods' limit to test anything");

        var response = await client.ModelInferAsync(request);
        Assert.Equal(Limit * sizeof(double), response.RawOutputContents.Single().Length);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(Request(Limit + 1)));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains($"more than the {Limit} allowed per ModelInfer call", error.Status.Detail);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
