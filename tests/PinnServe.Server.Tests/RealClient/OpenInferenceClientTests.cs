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
        var start = new ProcessStartInfo(PythonClientTests.PythonWithGrpc())
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "clients", "python", "oip_client.py"),
                "--address", $"127.0.0.1:{_server.Port}", "--proto", Path.Combine(repo, "protos", "inference", "grpc_service.proto"),
                "--model", model, "--reference", Path.Combine(Models, model + ".reference.csv"),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        string output = await stdout + "\n" + await stderr;
        Assert.True(process.ExitCode == 0, $"OIP client failures:\n{output}");
        var summary = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
        Assert.Equal(7, summary.GetProperty("passed").GetInt32());

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
