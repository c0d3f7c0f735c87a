using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.RealClient;

/// <summary>
/// tests/clients/python/rest_client.py — an Open Inference Protocol REST client on Python's standard library, with no
/// PinnServe code — against a server of the shipped models/ with the REST port on. Every check must pass, and the
/// relative L² errors it measures from JSON tensors must be the ones the server's own Validate reports.
/// </summary>
public sealed class RestClientTests : IAsyncLifetime
{
    private PinnServer _server = null!;
    private static string Models => Path.Combine(PythonClientTests.RepositoryRoot(), "models");

    public async Task InitializeAsync() => _server = await PinnServer.StartAsync(new PinnServerOptions
    {
        ModelsDirectory = Models,
        Address = "127.0.0.1:0",
        HttpAddress = "127.0.0.1:0",
        MinimumLogLevel = LogLevel.Warning,
    });

    [Theory]
    [InlineData("cavity-m4")]
    [InlineData("burgers-dn")]
    public async Task A_rest_client_gets_the_fields_of_a_shipped_model(string model)
    {
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var (exitCode, output) = await PythonClientTests.RunScriptAsync(python,
            [Path.Combine(AppContext.BaseDirectory, "clients", "python", "rest_client.py"),
             "--address", $"127.0.0.1:{_server.HttpPort}", "--model", model, "--reference", Path.Combine(Models, model + ".reference.csv")],
            TimeSpan.FromSeconds(180));
        Assert.True(exitCode == 0, $"REST client failures:\n{output}");
        var summary = PythonClientTests.Summary(output);
        Assert.Equal(10, summary.GetProperty("passed").GetInt32());

        await PythonClientTests.AssertSameAsValidateAsync(_server.Port, model, summary);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
