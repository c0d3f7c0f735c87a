using Grpc.Core;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Functional;

/// <summary>
/// What clients see when they send odd requests: echoed values truncated, no server paths, duplicate fields
/// named, and a cancelled upload logged as a normal cancellation.
/// </summary>
public class ClientFacingErrorTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData(10_000)]
    [InlineData(200_000)]
    public async Task A_huge_model_name_is_not_found_with_a_short_message(int length)
    {
        using var client = new PinnClient(server.Address);
        string name = new('m', length);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(new QueryRequest { Model = name, Points = { 0.5f, 0.5f } }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains($"({length} characters)", error.Status.Detail);
        Assert.True(error.Status.Detail.Length < 300, error.Status.Detail);
    }

    [Fact]
    public async Task A_field_named_twice_is_invalid_argument_naming_it()
    {
        using var client = new PinnClient(server.Address);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f }, Fields = { "u", "p", "u" } }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("'u' is requested twice", error.Status.Detail);
        var streamError = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in client.QueryStreamAsync(new QueryStreamRequest { Model = "cavity", Points = new PointList { Coordinates = { 0.5f, 0.5f } }, Fields = { "v", "v" } })) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, streamError.StatusCode);
    }

    [Fact]
    public async Task Model_descriptions_and_errors_show_no_server_paths()
    {
        using var client = new PinnClient(server.Address);
        var models = (await client.ListModelsAsync()).Models;
        var broken = models.Single(m => m.Name == "broken");
        Assert.Equal(ModelStatus.Failed, broken.Status);
        Assert.Contains("broken.onnx", broken.Error);
        foreach (var model in models)
        {
            Assert.DoesNotContain(server.ModelsDirectory, model.Error);
            Assert.All(model.Metadata.Values, v => Assert.DoesNotContain(server.ModelsDirectory, v));
            Assert.All(model.Metadata.Values, v => Assert.False(Path.IsPathFullyQualified(v), $"metadata value '{v}' is a local path"));
        }
        Assert.Equal("cavity", models.Single(m => m.Name == "cavity").Metadata["problem"]);
        var failed = await Assert.ThrowsAsync<RpcException>(() => client.QueryAsync(new QueryRequest { Model = "broken", Points = { 0.5f, 0.5f } }));
        Assert.DoesNotContain(server.ModelsDirectory, failed.Status.Detail);
    }
}

/// <summary>A client that gives up on a large unary Query while it uploads: a cancellation, not a server error.</summary>
public sealed class CancelledUploadTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("cancel");

    [Fact]
    public async Task Cancelling_a_large_query_during_upload_logs_no_error()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 3, metadata: new Dictionary<string, string> { ["run_dir"] = "/home/someone/runs/cavity" });
        var log = new CapturingLoggerProvider();
        await using var server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = _directory,
            Address = "127.0.0.1:0",
            MinimumLogLevel = LogLevel.Information,
            LoggerProvider = log,
            Limits = new ServerLimits { MaxQueryPoints = 4_000_000 },
        });
        using var client = new PinnClient($"127.0.0.1:{server.Port}");
        var request = new QueryRequest { Model = "cavity" };
        request.Points.AddRange(Enumerable.Repeat(0.5f, 3_000_000)); // 12 MB: uploading it takes a while

        // Cancel at several moments, so that many land while the request body is still arriving (the reset used to
        // be logged as an error about once in twelve).
        for (int delay = 0; delay < 36; delay++)
        {
            using var cancel = new CancellationTokenSource();
            var call = client.QueryAsync(request, cancellationToken: cancel.Token);
            await Task.Delay(delay % 12);
            cancel.Cancel();
            try { await call; }
            catch (RpcException e) { Assert.Equal(StatusCode.Cancelled, e.StatusCode); }
        }

        Assert.Equal(HealthCheckStatusServing, (await client.CheckHealthAsync()).Status);
        var info = await client.DescribeModelAsync("cavity");
        Assert.False(info.Metadata.ContainsKey("run_dir")); // an absolute path in the file is not exported
        Assert.Empty(log.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Level} {e.Category}: {e.Message}"));
    }

    private const Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus HealthCheckStatusServing = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>Keeps every log entry, to assert on what the server logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public sealed record Entry(LogLevel Level, string Category, string Message);

    private readonly System.Collections.Concurrent.ConcurrentQueue<Entry> _entries = new();
    public IReadOnlyCollection<Entry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);
    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new Entry(logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception.GetType().Name)));
    }
}
