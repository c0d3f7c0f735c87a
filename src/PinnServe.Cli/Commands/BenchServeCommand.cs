using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PinnServe.Api.V1;
using PinnServe.Onnx;
using PinnServe.Server;
using PinnServe.Server.Models;
using PinnServe.Client;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn bench-serve MODEL_DIR`: in one run, (1) in-process ONNX Runtime throughput on a grid, (2) the same grid
/// through QueryStream over loopback gRPC, (3) unary Query latency p50/p99 for 1 and 1,000 points. With
/// <c>--concurrency N</c> instead: N clients of 1-point queries with and without dynamic batching, and the grid in
/// one Open Inference Protocol ModelInfer call against QueryStream.
/// </summary>
internal static class BenchServeCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("model-dir") { Description = "Directory of models to serve (e.g. models/)." };
        var modelName = new Option<string>("--model") { Description = "Model to measure (default: the first serving one)." };
        var points = new Option<int>("--points") { Description = "Grid points for the throughput runs.", DefaultValueFactory = _ => 1_000_000 };
        var chunk = new Option<int>("--chunk") { Description = "Points per streamed message and per in-process Evaluate call.", DefaultValueFactory = _ => 16_384 };
        var calls = new Option<int>("--latency-calls") { Description = "Timed unary calls for the 1-point latency (a quarter of that for 1,000 points).", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Clients of 1-point queries: measure batching vs none, and ModelInfer vs QueryStream (0: the default benchmark)." };
        var concurrentCalls = new Option<int>("--concurrent-calls") { Description = "Timed calls per --concurrency run.", DefaultValueFactory = _ => 20_000 };
        var warmup = new Option<double>("--warmup-seconds")
        {
            Description = "--concurrency runs: seconds of every load kind before timing, so JIT tiering (tier-0 → instrumented → optimized) has settled.",
            DefaultValueFactory = _ => 10,
        };
        var target = new Option<string>("--target")
        {
            Description = "--concurrency runs: load a server already running at IP:port (e.g. `pinn serve`) instead of one in this process, so client and server are separate processes; a comma-separated list of replicas is balanced round-robin.",
        };
        var serverPid = new Option<int>("--server-pid") { Description = "With --target: process id of that server, to report its CPU time per call too (read from /proc)." };
        var connectionCount = new Option<int>("--connections")
        {
            Description = "--concurrency runs: client channels (one HTTP/2 connection each) the clients are spread over.",
            DefaultValueFactory = _ => 1,
        };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads of the served models in --concurrency runs (as pinn serve --threads; 0: one per core)." };
        var command = new Command("bench-serve", "Benchmark the gRPC server against in-process ONNX Runtime on the same model.");
        command.Arguments.Add(directory);
        foreach (var option in new Option[] { modelName, points, chunk, calls, concurrency, concurrentCalls, warmup, target, serverPid, connectionCount, threads }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory)!;
            if (!dir.Exists) throw new UsageException($"Model directory '{dir.FullName}' does not exist.");
            int total = parse.GetValue(points), chunkPoints = parse.GetValue(chunk), latencyCalls = parse.GetValue(calls);
            if (total < 1 || chunkPoints < 1 || latencyCalls < 10) throw new UsageException("--points and --chunk must be positive, --latency-calls at least 10.");
            int clients = parse.GetValue(concurrency), loadCalls = parse.GetValue(concurrentCalls);
            if (clients < 0 || clients > 10_000) throw new UsageException($"--concurrency must be between 0 and 10000, got {clients}.");
            if (loadCalls < 100) throw new UsageException($"--concurrent-calls must be at least 100, got {loadCalls}.");
            double warmupSeconds = parse.GetValue(warmup);
            if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) throw new UsageException($"--warmup-seconds must be between 0 and 600, got {warmupSeconds}.");
            if (parse.GetValue(target) is { } address)
            {
                // One server, or replicas (a comma-separated list or dns:///NAME:PORT) balanced round-robin by the client.
                try { ServerTarget.Parse(address); }
                catch (FormatException e) { throw new UsageException($"--target: {e.Message}"); }
                if (clients == 0) throw new UsageException("--target needs --concurrency (the default benchmark compares against in-process ONNX Runtime).");
            }
            if (parse.GetValue(connectionCount) is < 1 or > 64) throw new UsageException($"--connections must be between 1 and 64, got {parse.GetValue(connectionCount)}.");
            if (parse.GetValue(serverPid) != 0 && parse.GetValue(target) is null) throw new UsageException("--server-pid needs --target.");
            if (parse.GetValue(threads) < 0) throw new UsageException($"--threads must be 0 or more, got {parse.GetValue(threads)}.");
            if (clients > 0)
                return RunConcurrentAsync(parse, dir.FullName, parse.GetValue(modelName), total, chunkPoints, clients, loadCalls, parse.GetValue(threads),
                    TimeSpan.FromSeconds(warmupSeconds), parse.GetValue(target), parse.GetValue(serverPid), parse.GetValue(connectionCount)).GetAwaiter().GetResult();
            return RunAsync(parse, dir.FullName, parse.GetValue(modelName), total, chunkPoints, latencyCalls).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string directory, string? name, int total, int chunkPoints, int latencyCalls)
    {
        await using var server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = directory,
            Address = "127.0.0.1:0",
            MinimumLogLevel = LogLevel.Warning,
        });
        using var client = new PinnClient($"127.0.0.1:{server.Port}");
        var models = (await client.ListModelsAsync()).Models;
        var info = (name is null ? models.FirstOrDefault(m => m.Status == ModelStatus.Serving) : models.FirstOrDefault(m => m.Name == name))
            ?? throw new UsageException(name is null ? $"No serving model in '{directory}'." : $"Model '{name}' is not in '{directory}'.");
        if (info.Status != ModelStatus.Serving) throw new UsageException($"Model '{info.Name}' failed to load: {info.Error}");
        var grid = SquareGrid(info, total);
        long gridPoints = grid.Axes.Aggregate(1L, (n, a) => n * a.Count);

        using var local = OnnxFieldModel.Load(Path.Combine(directory, info.Name + ".onnx"));
        double inProcess = Best(2, () => InProcessPointsPerSecond(local, grid, chunkPoints));
        double streamed = Best(2, () => StreamPointsPerSecond(client, info.Name, grid, chunkPoints));
        var one = await LatencyAsync(client, info, 1, latencyCalls);
        var thousand = await LatencyAsync(client, info, 1000, Math.Max(10, latencyCalls / 4));

        if (!CliOutput.IsJson(parse))
        {
            Console.WriteLine($"model {info.Name}: {gridPoints:N0} grid points, {info.Fields.Count} fields, chunks of {chunkPoints:N0}");
            Console.WriteLine($"  in-process ONNX Runtime : {inProcess,14:N0} points/s");
            Console.WriteLine($"  QueryStream (loopback)  : {streamed,14:N0} points/s  ({100 * streamed / inProcess:F0}% of in-process)");
            Console.WriteLine($"  Query, 1 point          : p50 {one.P50:F3} ms   p99 {one.P99:F3} ms");
            Console.WriteLine($"  Query, 1,000 points     : p50 {thousand.P50:F3} ms   p99 {thousand.P99:F3} ms");
        }
        CliOutput.WriteResult(parse, new JsonObject
        {
            ["model"] = info.Name,
            ["fields"] = info.Fields.Count,
            ["points"] = gridPoints,
            ["chunk_points"] = chunkPoints,
            ["in_process_points_per_s"] = inProcess,
            ["stream_points_per_s"] = streamed,
            ["points_per_s"] = streamed,
            ["stream_fraction_of_in_process"] = streamed / inProcess,
            ["unary_1_point_ms"] = new JsonObject { ["p50"] = one.P50, ["p99"] = one.P99, ["calls"] = one.Calls },
            ["unary_1000_points_ms"] = new JsonObject { ["p50"] = thousand.P50, ["p99"] = thousand.P99, ["calls"] = thousand.Calls },
            ["machine"] = $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
        });
        return 0;
    }

    private static async Task<int> RunConcurrentAsync(ParseResult parse, string directory, string? name, int total, int chunkPoints, int concurrency, int calls, int threads,
        TimeSpan warmup, string? target, int serverPid, int connections)
    {
        await using var server = target is not null ? null : await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = directory,
            Address = "127.0.0.1:0",
            MinimumLogLevel = LogLevel.Warning,
            Limits = new ServerLimits { MaxInferPoints = Math.Max(total, new ServerLimits().MaxInferPoints), MaxReceiveMessageSize = 64 << 20 },
            ModelLoader = OnnxBackend.WithOptions(new OnnxModelOptions(IntraOpThreads: threads)),
        });
        Process? serverProcess = null;
        if (serverPid != 0)
        {
            try { serverProcess = Process.GetProcessById(serverPid); }
            catch (ArgumentException) { throw new UsageException($"--server-pid: no process {serverPid}."); }
        }
        var probe = new ServeLoad.Probe(server?.BatchStatistics, serverProcess);
        var channels = Enumerable.Range(0, connections).Select(_ => new PinnClient(target ?? $"127.0.0.1:{server!.Port}")).ToArray();
        using var disposeChannels = new CompositeDisposable(channels);
        var client = channels[0];
        var models = (await client.ListModelsAsync()).Models;
        var info = (name is null ? models.FirstOrDefault(m => m.Status == ModelStatus.Serving) : models.FirstOrDefault(m => m.Name == name))
            ?? throw new UsageException(name is null ? $"No serving model in '{directory}'." : $"Model '{name}' is not in '{directory}'.");
        if (info.Status != ModelStatus.Serving) throw new UsageException($"Model '{info.Name}' failed to load: {info.Error}");

        // The first seconds of a process run tier-0 and instrumented JIT code (several times slower per call than
        // the optimized code a server runs on): every kind is exercised until that has settled, then timed.
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < warmup)
        {
            int n = Math.Min(calls, 5000);
            await ServeLoad.ConcurrentQueriesAsync(channels, info, concurrency, n, batching: false, probe);
            await ServeLoad.ConcurrentQueriesAsync(channels, info, concurrency, n, batching: true, probe);
            await ServeLoad.ConcurrentLivenessAsync(channels, concurrency, n, probe);
        }

        // Alternating runs, best of two each, so a slow moment of a shared machine does not favour one side.
        ServeLoad.Result? bestAlone = null, bestBatched = null, bestFloor = null;
        static ServeLoad.Result Faster(ServeLoad.Result? best, ServeLoad.Result run) => best is null || run.CallsPerSecond > best.CallsPerSecond ? run : best;
        for (int round = 0; round < 2; round++)
        {
            bestAlone = Faster(bestAlone, await ServeLoad.ConcurrentQueriesAsync(channels, info, concurrency, calls, batching: false, probe));
            bestBatched = Faster(bestBatched, await ServeLoad.ConcurrentQueriesAsync(channels, info, concurrency, calls, batching: true, probe));
            bestFloor = Faster(bestFloor, await ServeLoad.ConcurrentLivenessAsync(channels, concurrency, calls, probe));
        }
        ServeLoad.Result alone = bestAlone!, batched = bestBatched!, floor = bestFloor!;
        var grid = SquareGrid(info, total);
        long gridPoints = grid.Axes.Aggregate(1L, (n, a) => n * a.Count);
        double streamed = 0, inferred = 0;
        for (int round = 0; round < 2; round++)
        {
            streamed = Math.Max(streamed, StreamPointsPerSecond(client, info.Name, grid, chunkPoints));
            inferred = Math.Max(inferred, await ServeLoad.ModelInferPointsPerSecondAsync(client, info, grid));
        }

        if (!CliOutput.IsJson(parse))
        {
            Console.WriteLine($"model {info.Name}: {concurrency} clients of 1-point Query, {calls:N0} timed calls per run over {connections} connection(s), server {(target is null ? "in this process" : "at " + target)}");
            void Row(string what, ServeLoad.Result r) => Console.WriteLine(
                $"  {what,-24}: {r.CallsPerSecond,10:N0} calls/s   p50 {r.P50,6:F3} ms   p99 {r.P99,7:F3} ms   CPU {r.CpuMicrosecondsPerCall,5:F0} µs/call" +
                (double.IsNaN(r.ServerCpuMicrosecondsPerCall) ? "" : $" (+ server {r.ServerCpuMicrosecondsPerCall,4:F0})") +
                $"   gen0 {r.Gen0PerThousandCalls,5:F2}/1000 calls   {r.BytesPerCall,6:N0} B/call");
            Row("unbatched (no_batching)", alone);
            Row("batched", batched);
            Row("floor (OIP ServerLive)", floor);
            var t = batched.Batches;
            if (t.Batches > 0)
                Console.WriteLine($"  batched path: {(double)t.Calls / t.Batches:F1} calls per batch; per call: queue {1e6 * t.QueueSeconds / t.Calls:F0} µs; " +
                    $"per batch: model {1e6 * t.ComputeSeconds / t.Batches:F0} µs, split {1e6 * t.SplitSeconds / t.Batches:F1} µs");
            Console.WriteLine($"  batched / unbatched {batched.CallsPerSecond / alone.CallsPerSecond:F2}x; bound set by the floor: {floor.CallsPerSecond / alone.CallsPerSecond:F2}x");
            if (!double.IsNaN(alone.ServerCpuMicrosecondsPerCall))
                Console.WriteLine($"  server CPU per call, unbatched / floor: {alone.ServerCpuMicrosecondsPerCall / floor.ServerCpuMicrosecondsPerCall:F2}x (the bound if the clients ran elsewhere)");
            Console.WriteLine($"  {gridPoints:N0} grid points: ModelInfer {inferred:N0} points/s, QueryStream {streamed:N0} points/s ({100 * inferred / streamed:F0}%)");
        }
        JsonObject Figures(ServeLoad.Result r) => new()
        {
            ["calls_per_s"] = r.CallsPerSecond, ["p50_ms"] = r.P50, ["p99_ms"] = r.P99, ["calls"] = r.Calls,
            ["cpu_us_per_call"] = r.CpuMicrosecondsPerCall, ["gen0_per_1000_calls"] = r.Gen0PerThousandCalls, ["bytes_per_call"] = r.BytesPerCall,
            ["batches"] = r.Batches.Batches, ["calls_per_batch"] = r.Batches.Batches == 0 ? 0 : (double)r.Batches.Calls / r.Batches.Batches,
            ["queue_us_per_call"] = r.Batches.Calls == 0 ? 0 : 1e6 * r.Batches.QueueSeconds / r.Batches.Calls,
            ["model_us_per_batch"] = r.Batches.Batches == 0 ? 0 : 1e6 * r.Batches.ComputeSeconds / r.Batches.Batches,
            ["split_us_per_batch"] = r.Batches.Batches == 0 ? 0 : 1e6 * r.Batches.SplitSeconds / r.Batches.Batches,
            ["server_cpu_us_per_call"] = double.IsNaN(r.ServerCpuMicrosecondsPerCall) ? null : r.ServerCpuMicrosecondsPerCall,
        };
        CliOutput.WriteResult(parse, new JsonObject
        {
            ["model"] = info.Name,
            ["concurrency"] = concurrency,
            ["server"] = target ?? "in-process",
            ["connections"] = connections,
            ["intra_op_threads"] = threads,
            ["warmup_seconds"] = warmup.TotalSeconds,
            ["unbatched"] = Figures(alone),
            ["batched"] = Figures(batched),
            ["floor"] = Figures(floor),
            ["batching_speedup"] = batched.CallsPerSecond / alone.CallsPerSecond,
            // ratio ≤ unbatched per-call cost / floor per-call cost: what batching could reach if the model cost nothing.
            ["speedup_bound_from_floor"] = floor.CallsPerSecond / alone.CallsPerSecond,
            ["points"] = gridPoints,
            ["model_infer_points_per_s"] = inferred,
            ["stream_points_per_s"] = streamed,
            ["model_infer_fraction_of_stream"] = inferred / streamed,
            ["points_per_s"] = inferred,
            ["machine"] = $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
        });
        return 0;
    }

    /// <summary>An n×n grid (n = √points) over the model's domain ([0, 1] where unbounded).</summary>
    private static GridSpec SquareGrid(ModelInfo info, int points)
    {
        uint perAxis = (uint)Math.Max(1, Math.Round(Math.Pow(points, 1.0 / info.Inputs.Count)));
        var grid = new GridSpec();
        foreach (var input in info.Inputs)
        {
            bool bounded = double.IsFinite(input.Min) && double.IsFinite(input.Max);
            grid.Axes.Add(new GridAxis { Input = input.Name, Min = bounded ? input.Min : 0, Max = bounded ? input.Max : 1, Count = perAxis });
        }
        return grid;
    }

    /// <summary>Evaluate over the grid's points chunk by chunk (points generated up front, outside the timing).</summary>
    private static double InProcessPointsPerSecond(OnnxFieldModel model, GridSpec grid, int chunkPoints)
    {
        int dims = grid.Axes.Count;
        long count = grid.Axes.Aggregate(1L, (n, a) => n * a.Count);
        var coordinates = new float[count * dims];
        for (long p = 0; p < count; p++)
        {
            long index = p;
            for (int a = dims - 1; a >= 0; a--)
            {
                var axis = grid.Axes[a];
                coordinates[p * dims + a] = (float)(axis.Count == 1 ? axis.Min : axis.Min + index % axis.Count * (axis.Max - axis.Min) / (axis.Count - 1));
                index /= axis.Count;
            }
        }
        var output = new float[chunkPoints * model.FieldNames.Count];
        var clock = Stopwatch.StartNew();
        for (long first = 0; first < count; first += chunkPoints)
        {
            int n = (int)Math.Min(chunkPoints, count - first);
            model.Evaluate(coordinates.AsSpan((int)(first * dims), n * dims), n, model.FieldNames, output.AsSpan(0, n * model.FieldNames.Count));
        }
        return count / clock.Elapsed.TotalSeconds;
    }

    private static double StreamPointsPerSecond(PinnClient client, string model, GridSpec grid, int chunkPoints)
    {
        var clock = Stopwatch.StartNew();
        long received = 0;
        var request = new QueryStreamRequest { Model = model, Grid = grid, ChunkPoints = (uint)chunkPoints };
        Task.Run(async () =>
        {
            await foreach (var chunk in client.QueryStreamAsync(request)) received += chunk.PointCount;
        }).GetAwaiter().GetResult();
        return received / clock.Elapsed.TotalSeconds;
    }

    private sealed record Latency(double P50, double P99, int Calls);

    private static async Task<Latency> LatencyAsync(PinnClient client, ModelInfo info, int points, int calls)
    {
        var random = new Random(7);
        var request = new QueryRequest { Model = info.Name };
        for (int p = 0; p < points; p++)
            foreach (var input in info.Inputs)
                request.Points.Add((float)(double.IsFinite(input.Min) && double.IsFinite(input.Max) ? input.Min + random.NextDouble() * (input.Max - input.Min) : random.NextDouble()));
        for (int i = 0; i < Math.Min(200, calls); i++) await client.QueryAsync(request); // warm-up
        var milliseconds = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await client.QueryAsync(request);
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(milliseconds);
        return new Latency(milliseconds[calls / 2], milliseconds[Math.Min(calls - 1, (int)Math.Ceiling(calls * 0.99) - 1)], calls);
    }

    private static double Best(int runs, Func<double> measure)
    {
        double best = 0;
        for (int i = 0; i < runs; i++) best = Math.Max(best, measure());
        return best;
    }

    /// <summary>Disposes several clients at the end of a using scope.</summary>
    private sealed class CompositeDisposable(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
