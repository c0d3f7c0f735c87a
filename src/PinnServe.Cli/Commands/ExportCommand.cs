using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Onnx;
using PinnServe.Training.Runs;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn export RUN_DIR --out FILE.onnx`: a trained run as an ONNX model with named (derived) fields.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var runDirectory = new Argument<DirectoryInfo>("run-dir") { Description = "Run directory with network.json (and optionally summary.json, fields.json)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "ONNX file to write (default: RUN_DIR/model.onnx)." };
        var fields = new Option<string>("--fields")
        {
            Description = "Comma-separated fields, e.g. u,v,p,psi,u_x,psi_xy (default: every network output and problem field).",
        };
        var command = new Command("export", "Export a trained network to ONNX, derived fields (derivatives up to order 2) computed inside the graph.");
        command.Arguments.Add(runDirectory);
        command.Options.Add(output);
        command.Options.Add(fields);
        command.SetAction(parse =>
        {
            var started = DateTime.UtcNow;
            string directory = parse.GetValue(runDirectory)!.FullName;
            string networkPath = Path.Combine(directory, "network.json");
            if (!File.Exists(networkPath))
                throw new UsageException($"'{RunPaths.Display(directory)}' is not a run directory: it has no network.json.");
            // Read-only: the run's files are read, never written (the ONNX file goes where --out says).
            NetworkFile network;
            IReadOnlyList<FieldDefinition> problemFields;
            Dictionary<string, string> metadata;
            try
            {
                network = NetworkFile.Load(networkPath);
                problemFields = File.Exists(Path.Combine(directory, "fields.json")) ? FieldDefinition.LoadList(Path.Combine(directory, "fields.json")) : [];
                metadata = SummaryMetadata(Path.Combine(directory, "summary.json"));
            }
            catch (InvalidDataException e) { throw new UsageException(RunPaths.Sanitize(e.Message, directory)); }
            var names = SplitNames(parse.GetValue(fields)) ?? DefaultFieldNames(network, problemFields);
            var definitions = new List<FieldDefinition>();
            foreach (var name in names)
            {
                try { definitions.Add(FieldDefinition.Resolve(name, network.Inputs, network.Outputs, problemFields)); }
                catch (ArgumentException e) { throw new UsageException(e.Message); }
            }
            string outPath = parse.GetValue(output)?.FullName ?? Path.Combine(directory, "model.onnx");
            // The network file's curated metadata wins over the free-form summary (both have e.g. "parameters").
            foreach (var (key, value) in network.Metadata) metadata[key] = value;
            metadata.TryAdd("run", Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar)));

            OnnxExportSummary summary;
            try { summary = OnnxExporter.Export(network, definitions, outPath, metadata); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }

            if (!CliOutput.IsJson(parse))
                Console.WriteLine($"Wrote {summary.Path} ({summary.Bytes:N0} bytes, {summary.Nodes} nodes) with fields {string.Join(", ", summary.Fields)}.");
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["path"] = summary.Path,
                ["bytes"] = summary.Bytes,
                ["fields"] = new JsonArray(summary.Fields.Select(f => (JsonNode)f!).ToArray()),
                ["definitions"] = new JsonObject(definitions.Select(d => KeyValuePair.Create(d.Name, (JsonNode?)d.Describe()))),
                ["nodes"] = summary.Nodes,
                ["parameters"] = summary.Parameters,
                ["seconds"] = (DateTime.UtcNow - started).TotalSeconds,
            });
            return 0;
        });
        return command;
    }

    internal static string[]? SplitNames(string? list) =>
        list is null ? null : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The problem's own fields first (e.g. the cavity's u, v), then network outputs not shadowed by them.</summary>
    private static string[] DefaultFieldNames(NetworkFile network, IReadOnlyList<FieldDefinition> problemFields) =>
        problemFields.Select(f => f.Name).Concat(network.Outputs).Distinct().ToArray();

    /// <summary>Scalars of summary.json as metadata; nested objects become dotted keys, arrays of scalars comma lists.</summary>
    private static Dictionary<string, string> SummaryMetadata(string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return metadata;
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e); }
        if (root is not JsonObject summary) throw new InvalidDataException($"'{path}' must hold a JSON object.");
        Flatten(summary, "", metadata);
        // A model file travels (and is described to every client of a server): no paths of this machine in it.
        foreach (var key in metadata.Where(p => Path.IsPathFullyQualified(p.Value)).Select(p => p.Key).ToList()) metadata.Remove(key);
        return metadata;
    }

    private static void Flatten(JsonObject node, string prefix, Dictionary<string, string> into)
    {
        foreach (var (key, value) in node)
        {
            switch (value)
            {
                case JsonObject child: Flatten(child, $"{prefix}{key}.", into); break;
                case JsonArray array when array.All(e => e is JsonValue):
                    into[prefix + key] = string.Join(",", array.Select(Scalar));
                    break;
                case JsonValue scalar: into[prefix + key] = Scalar(scalar); break;
            }
        }
    }

    private static string Scalar(JsonNode? value) => value is JsonValue v && v.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "null";
}
