using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using PinnServe.Api.Inference;
using PinnServe.Api.V1;
using PinnServe.Client;
using PinnServe.Server.Batching;

namespace PinnServe.Cli.Commands;

/// <summary>The load patterns of `pinn bench-serve --concurrency N`: many clients of tiny queries, and one huge ModelInfer.</summary>
internal static class ServeLoad
{
    /// <summary>
    /// One load run: throughput, latency percentiles, and what a call cost the whole process (client, Kestrel,
    /// gRPC and ONNX Runtime share it): CPU time, gen-0 collections and managed bytes allocated.
    /// </summary>
    /// <param name="CpuMicrosecondsPerCall">CPU time of this process (with an in-process server: client and server together).</param>
    /// <param name="ServerCpuMicrosecondsPerCall">CPU time of a separate server process (<see cref="Probe.Server"/>); NaN without one.</param>
    public sealed record Result(double CallsPerSecond, double P50, double P99, int Calls, double CpuMicrosecondsPerCall,
        double Gen0PerThousandCalls, double BytesPerCall, BatchTotals Batches, double ServerCpuMicrosecondsPerCall);

    /// <summary>What can be read of the server besides its answers: its batcher (in-process only) and its process (a separate one).</summary>
    public sealed record Probe(BatchStatistics? Batches, Process? Server);

    /// <summary>
    /// <paramref name="concurrency"/> clients spread over <paramref name="channels"/> (one HTTP/2 connection each), each sending 1-point Query calls back to back until
    /// <paramref name="calls"/> calls are done; with <paramref name="batching"/> off every call asks to run alone.
    /// </summary>
    public static Task<Result> ConcurrentQueriesAsync(PinnClient[] channels, ModelInfo info, int concurrency, int calls, bool batching, Probe probe)
    {
        var random = new Random(11);
        var requests = Enumerable.Range(0, 256).Select(_ =>
        {
            var request = new QueryRequest { Model = info.Name, NoBatching = !batching };
            foreach (var input in info.Inputs) request.Points.Add(Uniform(random, input));
            return request;
        }).ToArray();
        return ConcurrentCallsAsync(concurrency, calls, (c, call) => channels[c % channels.Length].Fields.QueryAsync(requests[call % requests.Length]).ResponseAsync, probe);
    }

    /// <summary>
    /// The floor: the same clients on the same channel calling the Open Inference Protocol's ServerLive, which does
    /// no work (an empty request, a one-field answer). What it costs is gRPC and HTTP/2 per call, client and server
    /// sides together, which no batching can remove.
    /// </summary>
    public static Task<Result> ConcurrentLivenessAsync(PinnClient[] channels, int concurrency, int calls, Probe probe)
    {
        var request = new ServerLiveRequest();
        return ConcurrentCallsAsync(concurrency, calls, (c, _) => channels[c % channels.Length].Inference.ServerLiveAsync(request).ResponseAsync, probe);
    }

    private static async Task<Result> ConcurrentCallsAsync<T>(int concurrency, int calls, Func<int, int, Task<T>> send, Probe probe)
    {
        async Task Warm(int c) { for (int i = 0; i < 50; i++) await send(c, i); }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => Task.Run(() => Warm(c))));

        var milliseconds = new double[calls];
        int issued = -1;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        int gen0Before = GC.CollectionCount(0);
        long bytesBefore = GC.GetTotalAllocatedBytes(precise: false);
        var batchesBefore = probe.Batches?.Read() ?? default;
        probe.Server?.Refresh();
        var serverCpuBefore = probe.Server?.TotalProcessorTime ?? TimeSpan.Zero;
        long start = Stopwatch.GetTimestamp();
        async Task Client(int c)
        {
            for (int call = Interlocked.Increment(ref issued); call < calls; call = Interlocked.Increment(ref issued))
            {
                long sent = Stopwatch.GetTimestamp();
                await send(c, call);
                milliseconds[call] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => Task.Run(() => Client(c))));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / calls;
        double gen0 = 1000.0 * (GC.CollectionCount(0) - gen0Before) / calls;
        double bytes = (double)(GC.GetTotalAllocatedBytes(precise: false) - bytesBefore) / calls;
        var batches = (probe.Batches?.Read() ?? default) - batchesBefore;
        probe.Server?.Refresh();
        double serverCpu = probe.Server is null ? double.NaN : (probe.Server.TotalProcessorTime - serverCpuBefore).TotalMicroseconds / calls;
        Array.Sort(milliseconds);
        return new Result(calls / seconds, milliseconds[calls / 2], milliseconds[Math.Min(calls - 1, (int)Math.Ceiling(calls * 0.99) - 1)], calls,
            cpu, gen0, bytes, batches, serverCpu);
    }

    /// <summary>Every point of <paramref name="grid"/> in one ModelInfer call (raw FP32 tensors), timed end to end.</summary>
    public static async Task<double> ModelInferPointsPerSecondAsync(PinnClient client, ModelInfo info, GridSpec grid)
    {
        int count = (int)grid.Axes.Aggregate(1L, (n, a) => n * a.Count);
        var request = new ModelInferRequest { ModelName = info.Name };
        var columns = info.Inputs.Select(_ => new float[count]).ToArray();
        for (int p = 0; p < count; p++)
        {
            int index = p;
            for (int a = grid.Axes.Count - 1; a >= 0; a--)
            {
                var axis = grid.Axes[a];
                int column = info.Inputs.ToList().FindIndex(i => i.Name == axis.Input);
                columns[column][p] = (float)(axis.Count == 1 ? axis.Min : axis.Min + index % axis.Count * (axis.Max - axis.Min) / (axis.Count - 1));
                index /= (int)axis.Count;
            }
        }
        for (int i = 0; i < info.Inputs.Count; i++)
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = info.Inputs[i].Name, Datatype = "FP32", Shape = { count } });
            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(columns[i].AsSpan()).ToArray()));
        }
        long start = Stopwatch.GetTimestamp();
        var response = await client.Inference.ModelInferAsync(request);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (response.RawOutputContents.Count != info.Fields.Count || response.RawOutputContents[0].Length != count * sizeof(float))
            throw new InvalidOperationException("ModelInfer answered with an unexpected layout.");
        return count / seconds;
    }

    private static float Uniform(Random random, InputAxis input) =>
        (float)(double.IsFinite(input.Min) && double.IsFinite(input.Max) ? input.Min + random.NextDouble() * (input.Max - input.Min) : random.NextDouble());
}
