using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>
/// Calls that fail before a handler runs (issue 33, defects 1, 4 and 7): a body that is not protobuf is
/// INVALID_ARGUMENT with no warning or error logged; an unknown method's UNIMPLEMENTED names it; and every such call,
/// like an oversized one, is counted in pinnserve_requests_total. Also the process and .NET runtime series.
/// </summary>
public sealed class OutsideHandlerTests : IAsyncLifetime
{
    private readonly string _directory = TestModels.NewTempDirectory("outside");
    private readonly CapturingLoggerProvider _log = new();
    private PinnServer _server = null!;

    public async Task InitializeAsync()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 1);
        _server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = _directory,
            Address = "127.0.0.1:0",
            MetricsAddress = "127.0.0.1:0",
            MinimumLogLevel = LogLevel.Information,
            LoggerProvider = _log,
            Limits = new ServerLimits { MaxReceiveMessageSize = 1 << 16, MaxQueryPoints = 1 << 20 },
        });
    }

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Sends <paramref name="body"/> as the request message of <paramref name="service"/>/<paramref name="method"/>.</summary>
    private async Task<RpcException> SendRaw(string service, string method, byte[] body)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.Port}");
        var call = new Method<byte[], byte[]>(MethodType.Unary, service, method, Bytes, Bytes);
        return await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(), body).ResponseAsync);
    }

    [Theory]
    [InlineData("inference.GRPCInferenceService", "ModelInfer", "ModelInferRequest")]
    [InlineData("pinnserve.v1.FieldService", "Query", "QueryRequest")]
    [InlineData("pinnserve.v1.FieldService", "Validate", "ValidateRequest")]
    [InlineData("pinnserve.v1.FieldService", "ListModels", "ListModelsRequest")]
    [InlineData("grpc.health.v1.Health", "Check", "HealthCheckRequest")]
    public async Task A_body_that_is_not_protobuf_is_invalid_argument_and_logs_nothing_at_warning_or_above(string service, string method, string message)
    {
        var error = await SendRaw(service, method, [0xFF, 0xFF, 0xFF, 0xFF, 0x07]);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"not a valid {message} message", error.Status.Detail);
        Assert.Empty(_log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Level} {e.Category}: {e.Message}"));
        using var client = new PinnClient($"127.0.0.1:{_server.Port}");
        Assert.Single((await client.ListModelsAsync()).Models); // still serving
    }

    [Theory]
    [InlineData("pinnserve.v1.FieldService", "NoSuchMethod")]
    [InlineData("no.such.Service", "Query")]
    public async Task An_unknown_method_is_unimplemented_naming_it(string service, string method)
    {
        var error = await SendRaw(service, method, []);
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains($"/{service}/{method}", error.Status.Detail);
    }

    [Fact]
    public async Task Calls_rejected_before_a_handler_are_counted_with_the_status_the_client_got()
    {
        await SendRaw("inference.GRPCInferenceService", "ModelInfer", [0xFF, 0xFF, 0xFF]);
        await SendRaw("pinnserve.v1.FieldService", "NoSuchMethod", []);
        using var client = new PinnClient($"127.0.0.1:{_server.Port}");
        var huge = new QueryRequest { Model = "cavity" };
        huge.Points.AddRange(Enumerable.Repeat(0.5f, 1 << 15)); // 128 KiB, over the 64 KiB limit
        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(huge))).StatusCode);

        string text = await Scrape();
        Assert.Matches("pinnserve_requests_total\\{method=\"ModelInfer\",model=\"\",status=\"INVALID_ARGUMENT\"\\} [1-9]", text);
        Assert.Matches("pinnserve_requests_total\\{method=\"_unknown\",model=\"\",status=\"UNIMPLEMENTED\"\\} [1-9]", text);
        Assert.Matches("pinnserve_requests_total\\{method=\"Query\",model=\"\",status=\"RESOURCE_EXHAUSTED\"\\} [1-9]", text);
    }

    [Fact]
    public async Task The_scrape_has_process_and_runtime_series()
    {
        string text = await Scrape();
        foreach (string series in new[] { "process_working_set_bytes", "process_private_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
                     "process_num_threads", "dotnet_total_memory_bytes", "dotnet_collection_count_total", "dotnet_gc_heap_size_bytes", "dotnet_gc_pause_seconds_total",
                     "dotnet_threadpool_threads" })
            Assert.Matches($"(?m)^{series}(\\{{[^}}]*\\}})? [0-9.eE+-]+$", text);
        var workingSet = System.Text.RegularExpressions.Regex.Match(text, "(?m)^process_working_set_bytes ([0-9.eE+]+)$").Groups[1].Value;
        Assert.True(double.Parse(workingSet, System.Globalization.CultureInfo.InvariantCulture) > 1e6, workingSet);
    }

    private async Task<string> Scrape()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{_server.MetricsPort}/metrics");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
