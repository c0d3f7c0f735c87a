using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PinnServe.Server.Tests.RealClient;

/// <summary>
/// tests/clients/python/triton_client.py — grpcio stubs compiled from protos/inference (Triton's messages and field
/// numbers) — against a Triton-style repository: a model in three versions with a config.pbtxt (latest 2, max batch
/// 512), a broken model, model control on. Every check must pass: ModelConfig, ModelStatistics, RepositoryIndex,
/// RepositoryModelLoad/Unload, ServerMetadata.extensions, malformed bodies and an unserved method.
/// </summary>
public sealed class TritonClientTests : IAsyncLifetime
{
    private readonly string _directory = TestModels.NewTempDirectory("triton");
    private PinnServer _server = null!;

    public async Task InitializeAsync()
    {
        for (int version = 1; version <= 3; version++)
        {
            string folder = Path.Combine(_directory, "cavity", version.ToString());
            Directory.CreateDirectory(folder);
            File.Move(TestModels.ExportCavity(folder, "staged", seed: version), Path.Combine(folder, "model.onnx"));
        }
        File.WriteAllText(Path.Combine(_directory, "cavity", "config.pbtxt"),
            "name: \"cavity\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 512\nversion_policy: { latest: { num_versions: 2 } }\n");
        Directory.CreateDirectory(Path.Combine(_directory, "broken", "1"));
        File.WriteAllText(Path.Combine(_directory, "broken", "1", "model.onnx"), "not an ONNX file");
        _server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = _directory,
            Address = "127.0.0.1:0",
            AllowModelControl = true,
            MinimumLogLevel = LogLevel.Critical,
        });
    }

    [Fact]
    public async Task A_triton_client_passes_every_check_of_the_extensions()
    {
        var (exitCode, output) = await PythonClientTests.RunScriptAsync(PythonClientTests.PythonWithGrpc(),
            [Path.Combine(AppContext.BaseDirectory, "clients", "python", "triton_client.py"),
             "--address", $"127.0.0.1:{_server.Port}", "--protos", Path.Combine(PythonClientTests.RepositoryRoot(), "protos"),
             "--model", "cavity", "--broken", "broken"],
            TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, $"Triton client failures:\n{output}");
        var summary = PythonClientTests.Summary(output);
        Assert.Equal(9, summary.GetProperty("passed").GetInt32());
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
