using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.RealClient;

/// <summary>
/// tests/clients/python/oip_client.py — an Open Inference Protocol client with no PinnServe code, on the official
/// gRPC Python runtime and the spec's proto — against a server of the shipped models/. It must pass every check,
/// and the relative L² errors it measures against each model's shipped reference must be the ones the server's
/// own Validate reports.
/// </summary>
public sealed class OpenInferenceClientTests : IAsyncLifetime
{
    private PinnServer _server = null!;
    private static string Models => Path.Combine(PythonClientTests.RepositoryRoot(), "models");

    public async Task InitializeAsync() => _server = await PinnServer.StartAsync(new PinnServerOptions
    {
        ModelsDirectory = Models,
        Address = "127.0.0.1:0",
        MinimumLogLevel = LogLevel.Warning,
    });

    [Theory]
    [InlineData("cavity-m4")]
    [InlineData("burgers-dn")]
    public async Task A_protocol_client_gets_the_fields_of_a_shipped_model(string model)
    {
        string repo = PythonClientTests.RepositoryRoot();
        var (exitCode, output) = await PythonClientTests.RunScriptAsync(PythonClientTests.PythonWithGrpc(),
            [Path.Combine(AppContext.BaseDirectory, "clients", "python", "oip_client.py"),
             "--address", $"127.0.0.1:{_server.Port}", "--proto", Path.Combine(repo, "protos", "inference", "grpc_service.proto"),
             "--model", model, "--reference", Path.Combine(Models, model + ".reference.csv")],
            TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, $"OIP client failures:\n{output}");
        var summary = PythonClientTests.Summary(output);
        Assert.Equal(7, summary.GetProperty("passed").GetInt32());

        await PythonClientTests.AssertSameAsValidateAsync(_server.Port, model, summary);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
