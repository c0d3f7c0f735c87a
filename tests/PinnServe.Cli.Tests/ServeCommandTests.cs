using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Cli.Tests;

/// <summary>`pinn serve` as a process: SIGTERM during a long stream, and devices that are not there.</summary>
public class ServeCommandTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("serve")]
    [InlineData("eval-onnx")]
    [InlineData("bench-onnx")]
    public void Cuda_without_the_cuda_build_exits_2_naming_the_switch(string command)
    {
        string model = Path.Combine(RepositoryRoot(), "models", "burgers-dn.onnx");
        string[] args = command switch
        {
            "serve" => ["serve", "--models", Path.GetDirectoryName(model)!, "--address", "127.0.0.1:0", "--device", "cuda"],
            "eval-onnx" => ["eval-onnx", model, "--reference", Path.ChangeExtension(model, ".reference.csv"), "--device", "cuda"],
            _ => ["bench-onnx", model, "--device", "cuda"],
        };
        var result = PinnCli.Run(args);
        Assert.Equal(2, result.ExitCode);
        // This test build has the CPU package only; on a CUDA build without a GPU the message names the missing library.
        Assert.Contains("-p:PinnServeCuda=true", result.Stderr);
    }

    [Fact]
    public void An_unknown_device_exits_2_naming_it()
    {
        var result = PinnCli.Run("eval-onnx", Path.Combine(RepositoryRoot(), "models", "burgers-dn.onnx"), "--reference", "x.csv", "--device", "tpu");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'tpu'", result.Stderr);
    }

    [Fact]
    public async Task Sigterm_during_a_long_stream_ends_it_with_unavailable_and_the_process_exits()
    {
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "pinn.dll"), "serve", "--models", Path.Combine(RepositoryRoot(), "models"), "--address", $"127.0.0.1:{port}", "--json" })
            start.ArgumentList.Add(a);
        using var server = Process.Start(start)!;
        var stdout = server.StandardOutput.ReadToEndAsync();
        var stderr = server.StandardError.ReadToEndAsync();
        try
        {
            using var client = new PinnClient($"127.0.0.1:{port}");
            await WaitUntilServingAsync(client, server);
            var request = new QueryStreamRequest
            {
                Model = "cavity-m4",
                ChunkPoints = 1024,
                Grid = new GridSpec { Axes = { new GridAxis { Input = "x", Max = 1, Count = 10_000 }, new GridAxis { Input = "y", Max = 1, Count = 10_000 } } },
            };
            using var call = client.Fields.QueryStream(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var reading = Task.Run(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });

            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString()])!)
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }
            var error = await Assert.ThrowsAsync<RpcException>(() => reading.WaitAsync(Generous));
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.Contains("shutting down", error.Status.Detail);

            await server.WaitForExitAsync().WaitAsync(Generous);
            Assert.True(server.ExitCode == 0, await stderr);
            Assert.Contains("\"addresses\"", await stdout); // the --json result of a clean stop
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    private static async Task WaitUntilServingAsync(PinnClient client, Process server)
    {
        using var timeout = new CancellationTokenSource(Generous);
        while (true)
        {
            Assert.False(server.HasExited, "pinn serve exited before serving");
            try
            {
                if ((await client.CheckHealthAsync("pinnserve.v1.FieldService")).Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving) return;
            }
            catch (RpcException) when (!timeout.IsCancellationRequested) { }
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PinnServe.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("PinnServe.sln not found above the test output directory.");
    }
}
