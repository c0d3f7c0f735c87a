using System.Diagnostics;
using System.Text.Json;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.RealClient;

/// <summary>
/// Runs tests/clients/python/conformance_client.py — the official gRPC Python client (Debian python3-grpcio,
/// stubs generated at run time by grpc_tools.protoc) — against an in-process server, and requires every one
/// of its checks to pass. The script's output is in the assertion message when one fails.
/// </summary>
public class PythonClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int ExpectedChecks = 41;

    [Fact]
    public async Task Every_rpc_error_code_and_streaming_path_passes_with_the_python_grpc_client()
    {
        string repo = RepositoryRoot();
        string script = Path.Combine(AppContext.BaseDirectory, "clients", "python", "conformance_client.py");
        var (exitCode, output) = await RunScriptAsync(PythonWithGrpc(),
            [script, "--address", server.Address, "--protos", Path.Combine(repo, "protos"),
             "--models", server.ModelsDirectory, "--tls-address", server.TlsAddress, "--root-cert", server.CertificatePath],
            TimeSpan.FromSeconds(120));

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var failures = lines.Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)).ToArray();
        Assert.True(failures.Length == 0 && exitCode == 0, $"Python client failures:\n{string.Join("\n", failures)}\n\nFull output:\n{output}");
        var summary = JsonDocument.Parse(lines.Last(l => l.StartsWith('{'))).RootElement;
        Assert.Equal(ExpectedChecks, summary.GetProperty("passed").GetInt32());
    }

    /// <summary>Runs a client script to its end (killed after <paramref name="timeout"/>); its exit code and stdout + stderr.</summary>
    internal static async Task<(int ExitCode, string Output)> RunScriptAsync(string python, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, await stdout + "\n" + await stderr);
    }

    /// <summary>The JSON summary a client script prints as its last JSON line.</summary>
    internal static JsonElement Summary(string output) =>
        JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;

    /// <summary>The relative L² errors a client measured (summary.rel_l2) are the ones the server's Validate reports.</summary>
    internal static async Task AssertSameAsValidateAsync(int port, string model, JsonElement summary)
    {
        using var client = new PinnClient($"127.0.0.1:{port}");
        var validation = await client.ValidateAsync(new ValidateRequest { Model = model, Dataset = "reference" });
        var measured = summary.GetProperty("rel_l2");
        Assert.Equal(validation.Fields.Select(f => f.Field).Order(), measured.EnumerateObject().Select(p => p.Name).Order());
        foreach (var field in validation.Fields)
        {
            double python = measured.GetProperty(field.Field).GetDouble();
            Assert.True(Math.Abs(python - field.RelL2) <= 1e-4 * field.RelL2 + 1e-9, $"{field.Field}: client {python}, Validate {field.RelL2}");
        }
    }

    /// <summary>Debian's python3 (where python3-grpcio installs), unless another python3 on PATH has grpc.</summary>
    internal static string PythonWithGrpc()
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(candidate, ["-c", "import grpc, grpc_tools"]) { RedirectStandardError = true })!;
                probe.WaitForExit(30_000);
                if (probe.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        throw new InvalidOperationException("No python3 with grpc and grpc_tools: run `sudo apt-get install -y python3-grpcio python3-grpc-tools` (./test.sh installs them from .ci/apt-packages.txt).");
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PinnServe.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("PinnServe.sln not found above the test output directory.");
    }
}
