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
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "clients", "python", "rest_client.py"),
                "--address", $"127.0.0.1:{_server.HttpPort}", "--model", model, "--reference", Path.Combine(Models, model + ".reference.csv"),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!File.Exists(start.FileName)) start.FileName = "python3";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        string output = await stdout + "\n" + await stderr;
        Assert.True(process.ExitCode == 0, $"REST client failures:\n{output}");
        var summary = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
        Assert.Equal(10, summary.GetProperty("passed").GetInt32());

        using var client = new PinnClient($"127.0.0.1:{_server.Port}");
        var validation = await client.ValidateAsync(new ValidateRequest { Model = model, Dataset = "reference" });
        var measured = summary.GetProperty("rel_l2");
        Assert.Equal(validation.Fields.Select(f => f.Field).Order(), measured.EnumerateObject().Select(p => p.Name).Order());
        foreach (var field in validation.Fields)
        {
            double python = measured.GetProperty(field.Field).GetDouble();
            Assert.True(Math.Abs(python - field.RelL2) <= 1e-4 * field.RelL2 + 1e-9, $"{field.Field}: client {python}, Validate {field.RelL2}");
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();
}
