using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;

namespace PinnServe.Reference.Files;

/// <summary>
/// Writes and reads a <see cref="ReferenceSolution"/> in the format named by the file extension:
/// <list type="bullet">
/// <item><c>.npz</c>: a zip of one .npy per axis (1-D) and per field (shaped like the grid), plus <c>metadata.json</c>.
/// <c>numpy.load(f)["u"]</c> gives the field, <c>json.loads(numpy.load(f)["metadata.json"])</c> the metadata.</item>
/// <item><c>.npy</c>: one table of shape (points, axes + fields), columns in the CSV order; metadata in <c>FILE.json</c>.</item>
/// <item><c>.csv</c>: a header line, then one row per grid point: axis columns, then field columns; metadata in <c>FILE.json</c>.</item>
/// </list>
/// Rows and field values are row-major over the axes (the last axis varies fastest). All writes are atomic.
/// </summary>
public static class ReferenceFiles
{
    public const string MetadataEntry = "metadata.json";
    public static readonly IReadOnlyList<string> Extensions = [".npz", ".npy", ".csv"];

    public static void Write(ReferenceSolution solution, string path)
    {
        switch (Extension(path))
        {
            case ".npz":
                AtomicFile.Write(path, stream => WriteNpz(solution, stream));
                break;
            case ".npy":
                AtomicFile.Write(path, stream => NpyFile.Write(stream, Table(solution), [solution.PointCount, Columns(solution).Count]));
                AtomicFile.WriteAllText(SidecarPath(path), MetadataJson(solution));
                break;
            case ".csv":
                AtomicFile.Write(path, stream => WriteCsv(solution, stream));
                AtomicFile.WriteAllText(SidecarPath(path), MetadataJson(solution));
                break;
        }
    }

    public static ReferenceSolution Read(string path)
    {
        string extension = Extension(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Reference file '{path}' does not exist.", path);
        if (extension == ".npz") return ReadNpz(path);

        string sidecar = SidecarPath(path);
        if (!File.Exists(sidecar))
            throw new FileNotFoundException($"'{path}' needs its metadata file '{sidecar}' (written next to it by `pinn reference`).", sidecar);
        var metadata = Metadata.Parse(File.ReadAllText(sidecar), sidecar);
        NpyArray table = extension == ".npy" ? NpyFile.Read(path) : ReadCsv(path, metadata);
        return FromTable(table, metadata, path);
    }

    /// <summary>The metadata file written next to .npy and .csv outputs.</summary>
    public static string SidecarPath(string path) => path + ".json";

    private static string Extension(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return Extensions.Contains(extension) ? extension
            : throw new ArgumentException($"Unsupported reference file extension '{Path.GetExtension(path)}' in '{path}'; use .npz, .npy or .csv.");
    }

    private static List<string> Columns(ReferenceSolution solution) =>
        [.. solution.Axes.Select(a => a.Name), .. solution.FieldNames];

    // ---- npz ----

    private static void WriteNpz(ReferenceSolution solution, Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var axis in solution.Axes) AddArray(zip, axis.Name, axis.Coordinates, [axis.Length]);
        foreach (string field in solution.FieldNames) AddArray(zip, field, solution.Field(field), solution.Shape);
        using var entry = zip.CreateEntry(MetadataEntry, CompressionLevel.Optimal).Open();
        entry.Write(Encoding.UTF8.GetBytes(MetadataJson(solution)));
    }

    private static void AddArray(ZipArchive zip, string name, double[] data, int[] shape)
    {
        using var entry = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
        NpyFile.Write(entry, data, shape);
    }

    private static ReferenceSolution ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var arrays = new List<(string Name, NpyArray Array)>();
        Metadata? metadata = null;
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName == MetadataEntry)
            {
                if (entry.Length > 1 << 20) throw new InvalidDataException($"{path}:{MetadataEntry} is larger than 1 MiB.");
                using var stream = entry.Open();
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var text = new char[1 << 20];
                int length = reader.ReadBlock(text, 0, text.Length);
                metadata = Metadata.Parse(new string(text, 0, length), $"{path}:{MetadataEntry}");
            }
            else if (entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                arrays.Add((entry.FullName[..^4], NpyFile.Read(entry, $"{path}:{entry.FullName}")));
        }
        // Without metadata (a file saved by numpy.savez), 1-D arrays in stored order are the axes.
        metadata ??= new Metadata("unknown",
            arrays.Where(a => a.Array.Shape.Length == 1).Select(a => (a.Name, a.Array.Shape[0], (double?)null)).ToList(),
            arrays.Where(a => a.Array.Shape.Length != 1).Select(a => a.Name).ToList(),
            new Dictionary<string, double>(), new Dictionary<string, string>());

        NpyArray Find(string name) => arrays.FirstOrDefault(a => a.Name == name).Array
            ?? throw new InvalidDataException($"{path}: no array '{name}.npy' in the archive.");
        var axes = new List<GridAxis>();
        foreach (var (name, length, period) in metadata.Axes)
        {
            var array = Find(name);
            if (array.Shape.Length != 1 || array.Shape[0] != length)
                throw new InvalidDataException($"{path}: axis '{name}' has shape ({string.Join(", ", array.Shape)}), expected ({length},).");
            axes.Add(new GridAxis(name, array.Data, period));
        }
        int[] gridShape = axes.Select(a => a.Length).ToArray();
        var fields = new List<KeyValuePair<string, double[]>>();
        foreach (string name in metadata.Fields)
        {
            var array = Find(name);
            if (!array.Shape.SequenceEqual(gridShape))
                throw new InvalidDataException($"{path}: field '{name}' has shape ({string.Join(", ", array.Shape)}), expected ({string.Join(", ", gridShape)}).");
            fields.Add(new(name, array.Data));
        }
        return Build(metadata, axes, fields, path);
    }

    // ---- tables (npy, csv) ----

    private static double[] Table(ReferenceSolution solution)
    {
        int columns = solution.Axes.Count + solution.FieldNames.Count;
        double[] points = solution.GridPoints();
        var table = new double[solution.PointCount * columns];
        for (int p = 0; p < solution.PointCount; p++)
        {
            for (int a = 0; a < solution.Axes.Count; a++) table[p * columns + a] = points[p * solution.Axes.Count + a];
            for (int f = 0; f < solution.FieldNames.Count; f++)
                table[p * columns + solution.Axes.Count + f] = solution.Field(solution.FieldNames[f])[p];
        }
        return table;
    }

    private static void WriteCsv(ReferenceSolution solution, Stream stream)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var columns = Columns(solution);
        writer.Write(string.Join(',', columns));
        writer.Write('\n');
        double[] table = Table(solution);
        var line = new StringBuilder();
        for (int p = 0; p < solution.PointCount; p++)
        {
            line.Clear();
            for (int c = 0; c < columns.Count; c++)
            {
                if (c > 0) line.Append(',');
                line.Append(table[p * columns.Count + c].ToString("R", CultureInfo.InvariantCulture));
            }
            line.Append('\n');
            writer.Write(line);
        }
    }

    private static NpyArray ReadCsv(string path, Metadata metadata)
    {
        var expected = metadata.Axes.Select(a => a.Name).Concat(metadata.Fields).ToArray();
        var (columns, table) = ReadCsvTable(path);
        if (!columns.SequenceEqual(expected))
            throw new InvalidDataException($"{path}: header '{string.Join(',', columns)}' does not match the metadata columns '{string.Join(',', expected)}'.");
        return table;
    }

    /// <summary>A numeric CSV table (the one CSV reader, <see cref="NumericCsv"/>): a header of column names, then rows (points × columns).</summary>
    public static (string[] Columns, NpyArray Table) ReadCsvTable(string path)
    {
        var table = NumericCsv.Read(path);
        if (table.Columns is null) throw new InvalidDataException($"{path}: expected a header line of column names.");
        return ([.. table.Columns], new NpyArray(table.Values, [table.RowCount, table.Columns.Count]));
    }

    private static ReferenceSolution FromTable(NpyArray table, Metadata metadata, string path)
    {
        int axisCount = metadata.Axes.Count, columns = axisCount + metadata.Fields.Count;
        int[] shape = metadata.Axes.Select(a => a.Length).ToArray();
        long points = shape.Aggregate(1L, (product, length) => product * length);
        if (table.Shape.Length != 2 || table.Shape[1] != columns || table.Shape[0] != points)
            throw new InvalidDataException(
                $"{path}: table shape ({string.Join(", ", table.Shape)}) does not match the grid {string.Join('×', shape)} with {columns} columns.");

        // Axis a's k-th coordinate sits in the row whose only non-zero index is k along a.
        var axes = new List<GridAxis>();
        int stride = (int)points;
        for (int a = 0; a < axisCount; a++)
        {
            stride /= shape[a];
            var coordinates = new double[shape[a]];
            for (int k = 0; k < shape[a]; k++) coordinates[k] = table.Data[(long)k * stride * columns + a];
            axes.Add(new GridAxis(metadata.Axes[a].Name, coordinates, metadata.Axes[a].Period));
        }
        var fields = metadata.Fields.Select(name => new KeyValuePair<string, double[]>(name, new double[points])).ToList();
        var solutionShape = new int[axisCount];
        for (int p = 0; p < points; p++)
        {
            int rest = p;
            for (int a = axisCount - 1; a >= 0; a--) { solutionShape[a] = rest % shape[a]; rest /= shape[a]; }
            for (int a = 0; a < axisCount; a++)
                if (table.Data[(long)p * columns + a] != axes[a].Coordinates[solutionShape[a]])
                    throw new InvalidDataException($"{path}: row {p + 1} is not on the tensor grid (column '{axes[a].Name}').");
            for (int f = 0; f < fields.Count; f++) fields[f].Value[p] = table.Data[(long)p * columns + axisCount + f];
        }
        return Build(metadata, axes, fields, path);
    }

    private static ReferenceSolution Build(Metadata metadata, List<GridAxis> axes, List<KeyValuePair<string, double[]>> fields, string path)
    {
        try
        {
            return new ReferenceSolution(metadata.Problem, axes, fields, metadata.Parameters, metadata.Solver);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    // ---- metadata ----

    private static string MetadataJson(ReferenceSolution solution)
    {
        var axes = new JsonArray();
        foreach (var axis in solution.Axes)
            axes.Add(new JsonObject { ["name"] = axis.Name, ["length"] = axis.Length, ["period"] = axis.Period });
        var parameters = new JsonObject();
        foreach (var (name, value) in solution.Parameters) parameters[name] = value;
        var solver = new JsonObject();
        foreach (var (name, value) in solution.SolverSettings) solver[name] = value;
        var root = new JsonObject
        {
            ["problem"] = solution.Problem,
            ["layout"] = "fields are row-major (C order) over the axes in the order listed; the last axis varies fastest",
            ["axes"] = axes,
            ["fields"] = new JsonArray(solution.FieldNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["parameters"] = parameters,
            ["solver"] = solver,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private sealed record Metadata(
        string Problem,
        List<(string Name, int Length, double? Period)> Axes,
        List<string> Fields,
        Dictionary<string, double> Parameters,
        Dictionary<string, string> Solver)
    {
        public static Metadata Parse(string json, string source)
        {
            try
            {
                var root = JsonNode.Parse(json)!.AsObject();
                var axes = root["axes"]!.AsArray()
                    .Select(a => (a!["name"]!.GetValue<string>(), a["length"]!.GetValue<int>(), a["period"]?.GetValue<double>()))
                    .ToList();
                var fields = root["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
                var parameters = root["parameters"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<double>()) ?? [];
                var solver = root["solver"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.ToString()) ?? [];
                return new Metadata(root["problem"]?.GetValue<string>() ?? "unknown", axes, fields, parameters, solver);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException or OverflowException)
            {
                throw new InvalidDataException($"{source}: malformed reference metadata ({e.Message}).", e);
            }
        }
    }
}
