using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PinnServe.Api.V1;
using Grpc.Core;
using PinnServe.Client;
using PinnServe.Contracts;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn query MODEL`: fields of a served model at points from a CSV file or a grid, streamed with QueryStream
/// (any number of points), written as CSV or .npy (float32, columns = inputs then fields).
/// </summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model name (as listed by the server)." };
        var address = new Option<string>("--address")
        {
            Description = "Server address: IP:port (h2c) or https://host:port; several replicas as a comma-separated list, or dns:///NAME:PORT " +
                          "for every address a name resolves to (calls are balanced round-robin and retried on another replica).",
            DefaultValueFactory = _ => "127.0.0.1:50051",
        };
        var points = new Option<FileInfo>("--points") { Description = "CSV of points: a header naming the inputs (any column order), or bare rows in input order." };
        var grid = new Option<string>("--grid") { Description = "Grid spec NAME=MIN:MAX:COUNT per input, e.g. x=0:1:101,y=0:1:101 (first axis slowest)." };
        var fields = new Option<string>("--fields") { Description = "Comma-separated fields (default: all)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Output file: .csv or .npy (default: CSV on standard output)." };
        var allowOutside = new Option<bool>("--allow-out-of-domain") { Description = "Evaluate points outside the model's domain instead of failing." };
        var chunk = new Option<int>("--chunk") { Description = "Points per streamed message (0: the server's default)." };
        var timeout = new Option<double>("--timeout") { Description = $"Deadline of the call in seconds (0: none; else {MinTimeoutSeconds} to {MaxTimeoutSeconds:F0})." };
        var command = new Command("query", "Query a served model's fields at points (CSV file or grid) over gRPC.");
        command.Arguments.Add(model);
        foreach (var option in new Option[] { address, points, grid, fields, output, allowOutside, chunk, timeout }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string name = parse.GetValue(model)!;
            var pointsFile = parse.GetValue(points);
            string? gridSpec = parse.GetValue(grid);
            if ((pointsFile is null) == (gridSpec is null)) throw new UsageException("Give exactly one of --points FILE.csv and --grid SPEC.");
            if (parse.GetValue(chunk) < 0) throw new UsageException($"--chunk must be 0 or more, got {parse.GetValue(chunk)}.");
            var deadline = ParseTimeout(parse.GetValue(timeout));
            var target = ParseTarget(parse.GetValue(address)!);
            var outFile = parse.GetValue(output);
            if (outFile is not null && outFile.Extension.ToLowerInvariant() is not (".csv" or ".npy"))
                throw new UsageException($"--out: '{outFile.Name}' must end in .csv or .npy.");

            var parsedGrid = gridSpec is null ? null : ParseGrid(gridSpec); // bad syntax fails before any connection

            using var client = new PinnClient(target);
            var info = Call(() => client.DescribeModelAsync(name));
            if (info.Status != ModelStatus.Serving) throw new UsageException($"Model '{name}' is not serving: {info.Error}");
            var request = new QueryStreamRequest { Model = name, ChunkPoints = (uint)parse.GetValue(chunk), AllowOutOfDomain = parse.GetValue(allowOutside) };
            request.Fields.AddRange(ExportCommand.SplitNames(parse.GetValue(fields)) ?? info.Fields.ToArray());
            var inputs = info.Inputs.Select(i => i.Name).ToArray();
            long count;
            if (parsedGrid is not null)
            {
                request.Grid = parsedGrid;
                count = request.Grid.Axes.Aggregate(1L, (n, a) => n * a.Count);
            }
            else
            {
                request.Points = new PointList();
                request.Points.Coordinates.AddRange(ReadPointsCsv(pointsFile!.FullName, inputs));
                count = request.Points.Coordinates.Count / inputs.Length;
            }

            var clock = Stopwatch.StartNew();
            var result = Call(() => StreamAsync(client, request, inputs, count, outFile?.FullName, deadline, !CliOutput.IsJson(parse)));
            double elapsed = clock.Elapsed.TotalSeconds;
            if (outFile is not null && !CliOutput.IsJson(parse))
                Console.WriteLine($"{result.Points:N0} points x {request.Fields.Count} fields from '{name}' -> {outFile.FullName} ({elapsed:F2} s)");
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["model"] = name,
                ["model_version"] = result.Version,
                ["points"] = result.Points,
                ["fields"] = new JsonArray(request.Fields.Select(f => (JsonNode)f!).ToArray()),
                ["out_of_domain_points"] = result.OutOfDomain,
                ["out"] = outFile?.FullName,
                ["seconds"] = elapsed,
                ["points_per_s"] = result.Points / elapsed,
                ["address"] = target.Text,
                ["stream_resumes"] = client.StreamResumes,
            });
            return 0;
        });
        return command;
    }

    /// <summary>Longest --timeout: one year (TimeSpan and deadlines overflow far beyond; no query needs more).</summary>
    internal const double MaxTimeoutSeconds = 365 * 24 * 3600;

    /// <summary>Shortest non-zero --timeout: 1 ms, the resolution of gRPC's deadline header.</summary>
    internal const double MinTimeoutSeconds = 0.001;

    /// <summary>--timeout in seconds as a deadline span: 0 is none; anything else must be finite and in range.</summary>
    internal static TimeSpan? ParseTimeout(double seconds)
    {
        if (seconds == 0) return null;
        if (!(seconds >= MinTimeoutSeconds && seconds <= MaxTimeoutSeconds))
            throw new UsageException($"--timeout must be 0 (no deadline) or from {MinTimeoutSeconds} to {MaxTimeoutSeconds:F0} seconds (one year), " +
                                     $"got {seconds.ToString("R", CultureInfo.InvariantCulture)}.");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>--address as one server, a list of replicas or a DNS name; malformed text or a port outside 1–65535 is bad input.</summary>
    internal static ServerTarget ParseTarget(string address)
    {
        try { return ServerTarget.Parse(address); }
        catch (FormatException e) { throw new UsageException($"--address: {e.Message}"); }
    }

    private sealed record StreamResult(long Points, long OutOfDomain, string Version);

    /// <summary>Streams the answer into a temporary file renamed into place at the end (or to stdout).</summary>
    private static async Task<StreamResult> StreamAsync(PinnClient client, QueryStreamRequest request, string[] inputs, long count,
        string? outPath, TimeSpan? timeout, bool printToConsole)
    {
        string? temporary = outPath is null ? null : outPath + $".tmp-{Environment.ProcessId}";
        var sink = temporary is not null ? File.Create(temporary) : printToConsole ? Console.OpenStandardOutput() : Stream.Null;
        try
        {
            long points = 0, outside = 0;
            string version = "";
            TableWriter? writer = null; // created at the first chunk, so a rejected request writes nothing
            try
            {
                var coordinates = new float[inputs.Length];
                await foreach (var chunk in client.QueryStreamAsync(request, timeout))
                {
                    writer ??= new TableWriter(sink, outPath?.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) == true, inputs, request.Fields.ToArray(), count);
                    if (chunk.FirstPoint == 0) version = chunk.ModelVersion;
                    for (int p = 0; p < chunk.PointCount; p++)
                    {
                        PointAt(request, (long)chunk.FirstPoint + p, coordinates);
                        writer.WriteRow(coordinates, chunk.Values, p * request.Fields.Count);
                    }
                    points += chunk.PointCount;
                    outside += chunk.OutOfDomainPoints.Count;
                }
            }
            finally
            {
                if (writer is not null) await writer.DisposeAsync();
                else await sink.DisposeAsync();
            }
            if (temporary is not null) File.Move(temporary, outPath!, overwrite: true);
            return new StreamResult(points, outside, version);
        }
        finally
        {
            if (temporary is not null && File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>The coordinates of point <paramref name="index"/>, recomputed from the request (grid: first axis slowest).</summary>
    private static void PointAt(QueryStreamRequest request, long index, float[] coordinates)
    {
        if (request.SourceCase == QueryStreamRequest.SourceOneofCase.Points)
        {
            for (int d = 0; d < coordinates.Length; d++) coordinates[d] = request.Points.Coordinates[(int)(index * coordinates.Length + d)];
            return;
        }
        var axes = request.Grid.Axes;
        for (int a = axes.Count - 1; a >= 0; a--)
        {
            long i = index % axes[a].Count;
            index /= axes[a].Count;
            coordinates[a] = (float)(axes[a].Count == 1 ? axes[a].Min : axes[a].Min + i * (axes[a].Max - axes[a].Min) / (axes[a].Count - 1));
        }
    }

    /// <summary>Most points a --grid may have (2^53): the product of the counts stays exact, far beyond any server's limit.</summary>
    internal const long MaxGridPoints = 1L << 53;

    /// <summary>Parses NAME=MIN:MAX:COUNT[,NAME=MIN:MAX:COUNT...].</summary>
    internal static GridSpec ParseGrid(string spec)
    {
        var grid = new GridSpec();
        long total = 1;
        foreach (string part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var nameAndRange = part.Split('=');
            var range = nameAndRange.Length == 2 ? nameAndRange[1].Split(':') : [];
            if (range.Length != 3
                || !double.TryParse(range[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
                || !double.TryParse(range[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double max)
                || !uint.TryParse(range[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint count) || count == 0)
                throw new UsageException($"--grid: '{part}' is not NAME=MIN:MAX:COUNT (e.g. x=0:1:101).");
            if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
                throw new UsageException($"--grid: '{part}' needs finite bounds with MIN <= MAX.");
            if (count > 1 && !double.IsFinite(max - min))
                throw new UsageException($"--grid: '{part}': MAX - MIN overflows a double.");
            total = total > MaxGridPoints / count ? MaxGridPoints + 1 : total * count;
            if (total > MaxGridPoints)
                throw new UsageException($"--grid '{spec}' has more than {MaxGridPoints:N0} points (2^53, the largest count a double holds exactly).");
            grid.Axes.Add(new GridAxis { Input = nameAndRange[0], Min = min, Max = max, Count = count });
        }
        return grid.Axes.Count > 0 ? grid : throw new UsageException("--grid is empty.");
    }

    /// <summary>Reads points row-major in the model's input order from a CSV (<see cref="NumericCsv"/>) with or without a header.</summary>
    internal static List<float> ReadPointsCsv(string path, string[] inputs)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Points file '{path}' does not exist.", path);
        NumericTable table;
        try { table = NumericCsv.Read(path, CsvHeader.Optional); }
        catch (InvalidDataException e) { throw new UsageException($"Points file: {e.Message}"); }
        if (table.RowCount == 0) throw new UsageException($"Points file '{path}' has no points.");
        int[] column = table.Columns is null
            ? Enumerable.Range(0, inputs.Length).ToArray()
            : inputs.Select(i => table.IndexOf(i) is var c and >= 0 ? c : throw new UsageException($"Points file '{path}' has no column '{i}' (header: {string.Join(",", table.Columns)}).")).ToArray();
        if (table.Columns is null && table.ColumnCount != inputs.Length)
            throw new UsageException($"Points file '{path}' has {table.ColumnCount} numbers per row; the model's inputs are {string.Join(", ", inputs)}.");
        var points = new List<float>(table.RowCount * inputs.Length);
        for (int row = 0; row < table.RowCount; row++)
            foreach (int c in column) points.Add((float)table[row, c]);
        return points;
    }

    /// <summary>Server errors caused by the request become usage errors; an unreachable server an I/O error.</summary>
    private static T Call<T>(Func<Task<T>> call)
    {
        try { return call().GetAwaiter().GetResult(); }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition)
        {
            throw new UsageException(e.Status.Detail);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            throw new IOException($"Cannot reach the server: {e.Status.Detail}", e);
        }
        catch (RpcException e) { throw new IOException($"The server answered {e.StatusCode}: {e.Status.Detail}", e); }
    }

    /// <summary>Rows of inputs then fields, as CSV text or a float32 .npy array of shape (count, columns).</summary>
    private sealed class TableWriter : IAsyncDisposable
    {
        private readonly Stream _stream;
        private readonly bool _npy;
        private readonly int _fieldCount;
        private readonly StreamWriter? _text;
        private readonly byte[] _row;

        public TableWriter(Stream stream, bool npy, string[] inputs, string[] fields, long count)
        {
            _stream = stream;
            _npy = npy;
            _fieldCount = fields.Length;
            _row = new byte[sizeof(float) * (inputs.Length + fields.Length)];
            if (npy)
            {
                WriteNpyHeader(stream, count, inputs.Length + fields.Length);
                return;
            }
            _text = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            _text.WriteLine(string.Join(",", inputs.Concat(fields)));
        }

        public void WriteRow(float[] coordinates, IList<float> values, int offset)
        {
            if (_npy)
            {
                int k = 0;
                foreach (float c in coordinates) BinaryPrimitives.WriteSingleLittleEndian(_row.AsSpan(4 * k++), c);
                for (int f = 0; f < _fieldCount; f++) BinaryPrimitives.WriteSingleLittleEndian(_row.AsSpan(4 * k++), values[offset + f]);
                _stream.Write(_row);
                return;
            }
            for (int d = 0; d < coordinates.Length; d++) { _text!.Write(coordinates[d].ToString("R", CultureInfo.InvariantCulture)); _text.Write(','); }
            for (int f = 0; f < _fieldCount; f++)
            {
                _text!.Write(values[offset + f].ToString("R", CultureInfo.InvariantCulture));
                _text.Write(f + 1 < _fieldCount ? ',' : '\n');
            }
        }

        /// <summary>NPY format 1.0: magic, version, little-endian header length, a dict padded to 64 bytes.</summary>
        private static void WriteNpyHeader(Stream stream, long rows, int columns)
        {
            string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
            int padded = (10 + dict.Length + 1 + 63) / 64 * 64;
            dict = dict.PadRight(padded - 10 - 1) + "\n";
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)dict.Length);
            stream.Write(length);
            stream.Write(Encoding.ASCII.GetBytes(dict));
        }

        public async ValueTask DisposeAsync()
        {
            if (_text is not null) await _text.DisposeAsync();
            await _stream.FlushAsync();
            if (_stream != Stream.Null) await _stream.DisposeAsync();
        }
    }
}
