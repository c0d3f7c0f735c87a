using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using PinnServe.Api.V1;
using PinnServe.Client;
using Xunit.Abstractions;

namespace PinnServe.Cli.Tests;

/// <summary>
/// Serving replicas (issue 36, part 3): three `pinn serve` processes behind one client-side balanced address list.
/// 64 clients of small queries run while one replica is SIGKILLed and later restarted on the same ports: no call
/// fails, every answer equals the single server's bit for bit, a QueryStream cut by the kill is resumed on another
/// replica with the same values, and the restarted replica serves calls again (its own Prometheus counter).
/// </summary>
public class ReplicaFailoverTests(ITestOutputHelper output)
{
    private const string Model = "burgers-dn";
    private const int Clients = 64;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Sixty_four_clients_lose_no_call_when_a_replica_is_killed_and_restarted()
    {
        string models = Directory.CreateTempSubdirectory("pinn-replicas-").FullName;
        File.Copy(Path.Combine(ServeCommandTests.RepositoryRoot(), "models", Model + ".onnx"), Path.Combine(models, Model + ".onnx"));
        var replicas = Enumerable.Range(0, 3).Select(_ => new Replica(models, FreePort(), FreePort())).ToArray();
        string list = string.Join(",", replicas.Select(r => r.Address));
        var clients = new List<PinnClient>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");
        try
        {
            foreach (var replica in replicas) replica.Start();
            foreach (var replica in replicas) await replica.WaitUntilServingAsync();

            Phase("three replicas serving");
            // What one server answers: the reference every balanced call is compared with.
            var (cases, expected, grid) = await SingleServerAnswersAsync(replicas[0].Address);

            // Three streams on one balanced channel, all three replicas serving it, so one stream runs on each; the small
            // HTTP/2 window keeps each server a few chunks ahead of the reader, so a stream is in flight when its server dies.
            using var streamHandler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = 65535 };
            var streamClient = new PinnClient(list, new PinnClientOptions { Handler = streamHandler });
            clients.Add(streamClient);
            await UntilEveryReplicaAnswersAsync(streamClient, cases[0], replicas);
            var streamRequest = new QueryStreamRequest { Model = Model, Grid = grid, ChunkPoints = 1024 };
            var streams = Enumerable.Range(0, 3).Select(_ => new StreamReader(streamClient, streamRequest)).ToArray();
            foreach (var stream in streams) await stream.ReadFirstChunkAsync();
            var victim = await UntilAsync(async () =>
            {
                foreach (var r in replicas) if (await r.CounterAsync("pinnserve_points_total", "QueryStream") > 0) return r;
                return null;
            }, "a replica evaluating a stream");
            Phase($"three streams open, one on replica :{victim.Port}");

            // 64 clients, each with its own balanced channel over the three replicas, querying until told to stop.
            long calls = 0;
            var failures = new ConcurrentQueue<string>();
            for (int c = 0; c < Clients; c++) clients.Add(new PinnClient(list));
            var load = clients.Skip(1).Select((client, c) => Task.Run(async () =>
            {
                for (int i = c; !stop.IsCancellationRequested; i++)
                {
                    int k = i % cases.Length;
                    try
                    {
                        var answer = await client.QueryAsync(cases[k], timeout: Generous);
                        if (!SameBits(answer.Values, expected[k])) failures.Enqueue($"client {c}, case {k}: values differ from the single server's");
                        Interlocked.Increment(ref calls);
                    }
                    catch (Exception e) { failures.Enqueue($"client {c}, case {k}: {e.GetType().Name}: {e.Message}"); }
                    // A short pause between calls: the load stays on every replica without starving the restart on 2 cores.
                    try { await Task.Delay(50, stop.Token); } catch (OperationCanceledException) { }
                }
            })).ToArray();
            await UntilAsync(() => Task.FromResult(Interlocked.Read(ref calls) >= 5 * Clients ? "" : null), "the load running");

            victim.Kill();
            Phase($"replica :{victim.Port} killed");
            long atKill = Interlocked.Read(ref calls);
            // While it is down: the streams finish, and `pinn query` over the list (dead replica included) and over a DNS
            // name (localhost, resolved to a live replica on 127.0.0.1) prints what one live server answers.
            var survivor = replicas.First(r => r != victim);
            var cli = new[] { list, $"dns:///localhost:{survivor.Port}" }.Select(a => Task.Run(() => QueryCsv(a))).ToArray();
            var streamed = await Task.WhenAll(streams.Select(s => s.ReadRestAsync())).WaitAsync(Generous);
            var csv = await Task.WhenAll(cli).WaitAsync(Generous);
            await UntilAsync(() => Task.FromResult(Interlocked.Read(ref calls) >= atKill + 5 * Clients ? "" : null), "load on the two replicas left");
            Phase("streams and pinn query done, load served by two replicas");
            long whileDown = Interlocked.Read(ref calls) - atKill;

            victim.Start(); // same gRPC and metrics ports
            await victim.WaitUntilServingAsync();
            Phase($"replica :{victim.Port} restarted");
            double rejoined = await UntilAsync(async () => await victim.CounterAsync("pinnserve_requests_total", "Query", "OK") is var n and >= Clients ? n : (double?)null,
                "the restarted replica answering the balanced clients' calls");
            await stop.CancelAsync();
            await Task.WhenAll(load).WaitAsync(Generous);
            Phase("restarted replica rejoined; load stopped");

            output.WriteLine($"{Interlocked.Read(ref calls)} calls by {Clients} clients, {whileDown} of them with replica :{victim.Port} down; " +
                             $"{rejoined} calls answered by it after its restart; {streamClient.StreamResumes} stream resumed.");
            foreach (var r in replicas) output.WriteLine($"replica :{r.Port} (pid {r.Pid}): {await r.CounterAsync("pinnserve_requests_total", "Query", "OK")} Query calls since its start");
            Assert.True(failures.IsEmpty, $"{failures.Count} failed calls, e.g.\n{string.Join("\n", failures.Take(10))}");
            Assert.True(whileDown > 0);

            // The stream cut by the kill (one per replica once all three are in the rotation) was resumed on a live replica
            // and delivered exactly what the uncut ones did.
            Assert.InRange(streamClient.StreamResumes, 1, streams.Length - 1);
            long count = grid.Axes.Aggregate(1L, (n, a) => n * a.Count);
            foreach (var (points, values) in streamed)
            {
                Assert.Equal(count, points);
                Assert.True(SameBits(values, streamed[0].Values), "a resumed stream differs from an uncut one");
            }

            Assert.Equal(csv[0], csv[1]);
            await AssertSameAsOneServerAsync(csv[0], survivor.Address);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var client in clients) client.Dispose();
            foreach (var replica in replicas) replica.Stop();
            Directory.Delete(models, recursive: true);
        }
    }

    /// <summary>16 small queries (1–4 points inside the domain) and their answers from one server, plus a grid over the domain.</summary>
    private static async Task<(QueryRequest[] Cases, float[][] Expected, GridSpec Grid)> SingleServerAnswersAsync(string address)
    {
        using var single = new PinnClient(address);
        var info = await single.DescribeModelAsync(Model);
        var random = new Random(36);
        var cases = Enumerable.Range(0, 16).Select(k =>
        {
            var request = new QueryRequest { Model = Model };
            for (int p = 0; p <= k % 4; p++)
                foreach (var input in info.Inputs) request.Points.Add((float)(input.Min + (input.Max - input.Min) * random.NextDouble()));
            return request;
        }).ToArray();
        var expected = new float[cases.Length][];
        for (int k = 0; k < cases.Length; k++) expected[k] = (await single.QueryAsync(cases[k])).Values.ToArray();
        var grid = new GridSpec();
        foreach (var input in info.Inputs)
            grid.Axes.Add(new GridAxis { Input = input.Name, Min = input.Min, Max = input.Max, Count = input == info.Inputs[0] ? 300u : 200u });
        return (cases, expected, grid);
    }

    /// <summary>Sequential calls on <paramref name="client"/> until each replica's Query counter has moved: every subchannel is then in the round-robin.</summary>
    private static async Task UntilEveryReplicaAnswersAsync(PinnClient client, QueryRequest request, Replica[] replicas)
    {
        var before = new double[replicas.Length];
        for (int i = 0; i < replicas.Length; i++) before[i] = await replicas[i].CounterAsync("pinnserve_requests_total", "Query", "OK");
        await UntilAsync(async () =>
        {
            for (int i = 0; i < 6; i++) await client.QueryAsync(request);
            for (int i = 0; i < replicas.Length; i++)
                if (await replicas[i].CounterAsync("pinnserve_requests_total", "Query", "OK") <= before[i]) return null;
            return "";
        }, "every replica answering the stream client");
    }

    /// <summary>The field columns of `pinn query`'s CSV equal, bit for bit, one server's answer at the CSV's own points.</summary>
    private static async Task AssertSameAsOneServerAsync(string csv, string address)
    {
        using var single = new PinnClient(address);
        int inputs = (await single.DescribeModelAsync(Model)).Inputs.Count;
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(7 * 9, rows.Length);
        var request = new QueryRequest { Model = Model };
        foreach (var row in rows) request.Points.Add(row.Take(inputs));
        var answer = await single.QueryAsync(request);
        Assert.True(SameBits(rows.SelectMany(r => r.Skip(inputs)).ToArray(), answer.Values), "pinn query's values differ from one server's");
    }

    private string QueryCsv(string address)
    {
        var result = PinnCli.Run("query", Model, "--address", address, "--grid", "t=0:1:7,x=-1:1:9");
        Assert.True(result.ExitCode == 0, $"pinn query --address {address}: {result.Stderr}");
        return result.Stdout;
    }

    private static bool SameBits(IReadOnlyList<float> a, IReadOnlyList<float> b) =>
        a.Count == b.Count && a.Zip(b).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));

    /// <summary>Polls <paramref name="probe"/> until it returns a value (generous time-out; a failure names what was awaited).</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (clock.Elapsed > Generous) throw new TimeoutException($"Gave up waiting for {what}.");
            await Task.Delay(100);
        }
    }

    private static async Task<double> UntilAsync(Func<Task<double?>> probe, string what) =>
        (await UntilAsync<object>(async () => await probe() is { } v ? v : null, what) as double?)!.Value;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One QueryStream read into an array, in two steps: its first chunk, then the rest.</summary>
    private sealed class StreamReader(PinnClient client, QueryStreamRequest request)
    {
        private readonly IAsyncEnumerator<QueryChunk> _chunks = client.QueryStreamAsync(request, Generous).GetAsyncEnumerator();
        private readonly List<float> _values = [];
        private long _points;

        public async Task ReadFirstChunkAsync()
        {
            Assert.True(await _chunks.MoveNextAsync());
            Take(_chunks.Current);
        }

        public async Task<(long Points, float[] Values)> ReadRestAsync()
        {
            while (await _chunks.MoveNextAsync()) Take(_chunks.Current);
            await _chunks.DisposeAsync();
            return (_points, _values.ToArray());
        }

        private void Take(QueryChunk chunk)
        {
            Assert.Equal(_points, (long)chunk.FirstPoint); // in order, each point once
            _points += chunk.PointCount;
            _values.AddRange(chunk.Values);
        }
    }

    /// <summary>A `pinn serve` process on fixed gRPC and metrics ports; stopped by its PID.</summary>
    private sealed class Replica(string models, int port, int metricsPort)
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
        private Process? _process;

        public int Port => port;
        public string Address => $"127.0.0.1:{port}";
        public int Pid => _process?.Id ?? 0;

        public void Start()
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "pinn.dll"), "serve", "--models", models, "--address", Address,
                         "--metrics-address", $"127.0.0.1:{metricsPort}", "--threads", "1" })
                start.ArgumentList.Add(a);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task WaitUntilServingAsync()
        {
            using var client = new PinnClient(Address);
            await UntilAsync(async () =>
            {
                Assert.False(_process!.HasExited, $"pinn serve on {Address} exited with {(_process.HasExited ? _process.ExitCode : 0)}");
                try { return (await client.CheckHealthAsync("pinnserve.v1.FieldService")).Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving ? "" : null; }
                catch (RpcException) { return null; }
            }, $"pinn serve on {Address}");
        }

        /// <summary>SIGKILL (Process.Kill on Unix): no shutdown, connections reset mid-call.</summary>
        public void Kill()
        {
            _process!.Kill();
            Assert.True(_process.WaitForExit(Generous));
            _process.Dispose();
            _process = null;
        }

        public void Stop()
        {
            if (_process is null) return;
            try { if (!_process.HasExited) _process.Kill(); _process.WaitForExit(Generous); }
            catch (InvalidOperationException) { }
            _process.Dispose();
            _process = null;
        }

        /// <summary>Sum of a Prometheus counter's series on this replica whose labels include method (and status).</summary>
        public async Task<double> CounterAsync(string name, string method, string? status = null)
        {
            string text = await Http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
            double sum = 0;
            foreach (string line in text.Split('\n'))
            {
                if (!line.StartsWith(name + "{", StringComparison.Ordinal) || !line.Contains($"method=\"{method}\"")) continue;
                if (status is not null && !line.Contains($"status=\"{status}\"")) continue;
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
            return sum;
        }
    }
}
