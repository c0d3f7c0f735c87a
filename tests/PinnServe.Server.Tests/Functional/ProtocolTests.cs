using Google.Protobuf;
using PinnServe.Api.V1;

namespace PinnServe.Server.Tests.Functional;

/// <summary>The gRPC-over-HTTP/2 rules, checked on the wire with hand-made requests.</summary>
public class ProtocolTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string ListModels = "/pinnserve.v1.FieldService/ListModels";
    private static readonly byte[] EmptyMessage = [0, 0, 0, 0, 0];

    [Fact]
    public async Task Success_has_grpc_content_type_message_and_ok_trailers()
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync(ListModels, EmptyMessage);
        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("application/grpc", response.Header("content-type"));
        Assert.Null(response.Header("grpc-status"));
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Equal(0, response.Body[0]);
        var models = ListModelsResponse.Parser.ParseFrom(response.Body.AsSpan(5).ToArray());
        Assert.Equal(3, models.Models.Count);
    }

    [Fact]
    public async Task Errors_before_any_message_are_trailers_only()
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync("/pinnserve.v1.FieldService/NoSuchMethod", EmptyMessage);
        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("application/grpc", response.Header("content-type"));
        Assert.Equal("12", response.Header("grpc-status"));
        Assert.Contains("NoSuchMethod", response.Header("grpc-message"));
        Assert.Empty(response.Body);
        Assert.Empty(response.Trailers);
    }

    [Fact]
    public async Task Wrong_content_type_is_http_415()
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync(ListModels, EmptyMessage, contentType: "application/json");
        Assert.Equal(415, response.HttpStatus);
        Assert.Equal("13", response.Header("grpc-status"));
    }

    [Fact]
    public async Task Get_is_http_405()
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync(ListModels, [], method: "PUT");
        Assert.Equal(405, response.HttpStatus);
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0, 0 }, "13")]                 // invalid compressed flag
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, "13")]                 // compressed without grpc-encoding
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1, 2 }, "13")]           // truncated message
    [InlineData(new byte[] { 0, 0, 0 }, "13")]                       // truncated header
    [InlineData(new byte[] { }, "13")]                               // no message at all
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0xff, 0xff }, "13")]     // not protobuf
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "13")]  // two messages for a unary call
    [InlineData(new byte[] { 0, 0x10, 0, 0, 0, 0 }, "8")]            // 256 MiB announced > 1 MiB limit
    public async Task Malformed_frames_get_an_error_status_and_the_server_keeps_serving(byte[] body, string status)
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync(ListModels, body);
        Assert.Equal(200, response.HttpStatus);
        Assert.Equal(status, response.Header("grpc-status") ?? response.Trailer("grpc-status"));
        Assert.Equal("0", (await http.PostAsync(ListModels, EmptyMessage)).Trailer("grpc-status"));
    }

    [Fact]
    public async Task Unsupported_message_encoding_is_unimplemented_and_advertises_the_supported_ones()
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync(ListModels, EmptyMessage, headers: [("grpc-encoding", "snappy")]);
        Assert.Equal("12", response.Header("grpc-status"));
        Assert.Equal("identity,gzip", response.Header("grpc-accept-encoding"));
    }

    [Fact]
    public async Task Gzip_request_is_decoded()
    {
        var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            new DescribeModelRequest { Name = "cavity" }.WriteTo(gzip);
        byte[] compressed = output.ToArray();
        byte[] frame = [1, 0, 0, 0, (byte)compressed.Length, .. compressed];
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync("/pinnserve.v1.FieldService/DescribeModel", frame, headers: [("grpc-encoding", "gzip")]);
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Equal("cavity", ModelInfo.Parser.ParseFrom(response.Body.AsSpan(5).ToArray()).Name);
    }

    [Fact]
    public async Task Malformed_timeout_is_rejected()
    {
        using var http = new RawHttp2(server.Address);
        var response = await http.PostAsync(ListModels, EmptyMessage, headers: [("grpc-timeout", "5 seconds")]);
        Assert.Equal("13", response.Header("grpc-status"));
    }

    [Fact]
    public async Task Server_ends_a_stream_past_its_deadline_with_deadline_exceeded()
    {
        using var http = new RawHttp2(server.Address);
        var request = new QueryStreamRequest
        {
            Model = "cavity",
            Grid = new GridSpec { Axes = { new GridAxis { Input = "x", Min = 0, Max = 1, Count = 5000 }, new GridAxis { Input = "y", Min = 0, Max = 1, Count = 5000 } } },
        };
        var started = DateTime.UtcNow;
        var response = await http.PostAsync("/pinnserve.v1.FieldService/QueryStream", Frame(request), headers: [("grpc-timeout", "200m")]);
        Assert.Equal("4", response.Trailer("grpc-status") ?? response.Header("grpc-status"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Status_message_is_percent_encoded_on_the_wire()
    {
        using var http = new RawHttp2(server.Address);
        var request = new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f }, Fields = { "ψ 100%" } };
        var response = await http.PostAsync("/pinnserve.v1.FieldService/Query", Frame(request));
        Assert.Equal("3", response.Header("grpc-status"));
        Assert.Contains("'%CF%88 100%25'", response.Header("grpc-message"));
    }

    private static byte[] Frame(IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
