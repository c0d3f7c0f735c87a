using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using PinnServe.Api.Inference;
using PinnServe.Client;
using PinnServe.Server;
using InputTensor = PinnServe.Api.Inference.ModelInferRequest.Types.InferInputTensor;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn bench-serve DIR --protocols`: ModelInfer over gRPC (raw FP32 tensors) against the same call over REST (JSON
/// tensors, and Triton's binary tensors), one client calling back to back on one kept-alive connection, for 1-point
/// and 10⁵-point requests, all in one run on one in-process server. Reports calls/s, p50 and p99 per case.
/// </summary>
internal static class ServeProtocolBench
{
    private sealed record Case(string Protocol, int Points, Func<Task> Call);

    public static async Task<int> RunAsync(ParseResult parse, string directory, string? name, int smallCalls, int largeCalls)
    {
        await using var server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = directory, Address = "127.0.0.1:0", HttpAddress = "127.0.0.1:0", MinimumLogLevel = LogLevel.Warning,
        });
        using var grpc = new PinnClient($"127.0.0.1:{server.Port}");
        var info = (await grpc.ListModelsAsync()).Models.FirstOrDefault(m => name is null ? m.Status == Api.V1.ModelStatus.Serving : m.Name == name)
            ?? throw new UsageException(name is null ? "No model serves in the directory." : $"--model: '{name}' is not in the directory.");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        var cases = new List<Case>();
        foreach (int points in new[] { 1, 100_000 })
        {
            var random = new Random(5);
            var columns = info.Inputs.Select(axis => Enumerable.Range(0, points).Select(_ => (float)(axis.Min + random.NextDouble() * (axis.Max - axis.Min))).ToArray()).ToArray();
            var request = new ModelInferRequest { ModelName = info.Name };
            for (int d = 0; d < columns.Length; d++)
            {
                request.Inputs.Add(new InputTensor { Name = info.Inputs[d].Name, Datatype = "FP32", Shape = { points } });
                request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(columns[d].AsSpan())));
            }
            var json = JsonBody(info, columns);
            var (binaryBody, headerLength) = BinaryBody(info, columns);
            string path = $"/v2/models/{info.Name}/infer";
            cases.Add(new Case("grpc", points, async () => await grpc.Inference.ModelInferAsync(request)));
            cases.Add(new Case("rest-json", points, async () => await PostAsync(http, path, json, "application/json", null)));
            cases.Add(new Case("rest-binary", points, async () => await PostAsync(http, path, binaryBody, "application/octet-stream", headerLength)));
        }
        var results = new JsonArray();
        foreach (var c in cases)
        {
            int calls = c.Points == 1 ? smallCalls : largeCalls;
            for (int i = 0; i < Math.Max(3, calls / 10); i++) await c.Call(); // warm-up: JIT, connection, ONNX Runtime arenas
            var milliseconds = new double[calls];
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await c.Call();
                milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            double seconds = clock.Elapsed.TotalSeconds;
            Array.Sort(milliseconds);
            var row = new JsonObject
            {
                ["protocol"] = c.Protocol, ["points"] = c.Points, ["calls"] = calls, ["calls_per_s"] = calls / seconds,
                ["p50_ms"] = milliseconds[calls / 2], ["p99_ms"] = milliseconds[Math.Min(calls - 1, (int)Math.Ceiling(calls * 0.99) - 1)],
            };
            results.Add(row);
            Console.WriteLine($"{c.Protocol,-12} {c.Points,7} points: {(double)row["calls_per_s"]!,9:F1} calls/s  p50 {(double)row["p50_ms"]!,8:F3} ms  p99 {(double)row["p99_ms"]!,8:F3} ms");
        }
        CliOutput.WriteResult(parse, new JsonObject { ["model"] = info.Name, ["clients"] = 1, ["protocols"] = results });
        return 0;
    }

    private static async Task PostAsync(HttpClient http, string path, byte[] body, string type, int? headerLength)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (headerLength is { } length) content.Headers.Add("Inference-Header-Content-Length", length.ToString());
        using var response = await http.PostAsync(path, content);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"REST infer failed: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
    }

    private static byte[] JsonBody(Api.V1.ModelInfo info, float[][] columns)
    {
        var inputs = new JsonArray();
        for (int d = 0; d < columns.Length; d++)
            inputs.Add(new JsonObject
            {
                ["name"] = info.Inputs[d].Name, ["datatype"] = "FP32", ["shape"] = new JsonArray(columns[d].Length),
                ["data"] = new JsonArray(columns[d].Select(v => (JsonNode)v).ToArray()),
            });
        return Encoding.UTF8.GetBytes(new JsonObject { ["inputs"] = inputs }.ToJsonString());
    }

    private static (byte[] Body, int HeaderLength) BinaryBody(Api.V1.ModelInfo info, float[][] columns)
    {
        var inputs = new JsonArray();
        for (int d = 0; d < columns.Length; d++)
            inputs.Add(new JsonObject
            {
                ["name"] = info.Inputs[d].Name, ["datatype"] = "FP32", ["shape"] = new JsonArray(columns[d].Length),
                ["parameters"] = new JsonObject { ["binary_data_size"] = columns[d].Length * sizeof(float) },
            });
        var outputs = new JsonArray(info.Fields.Select(f => (JsonNode)new JsonObject { ["name"] = f, ["parameters"] = new JsonObject { ["binary_data"] = true } }).ToArray());
        var header = Encoding.UTF8.GetBytes(new JsonObject { ["inputs"] = inputs, ["outputs"] = outputs }.ToJsonString());
        var body = new List<byte>(header);
        foreach (var column in columns) body.AddRange(MemoryMarshal.AsBytes(column.AsSpan()).ToArray());
        return (body.ToArray(), header.Length);
    }
}
