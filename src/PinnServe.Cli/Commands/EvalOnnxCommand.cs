using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Onnx;
using PinnServe.Reference;
using PinnServe.Reference.Files;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn eval-onnx FILE.onnx --reference REF`: per-field relative L² and max error of an exported model.</summary>
internal static class EvalOnnxCommand
{
    public static Command Create()
    {
        var modelPath = new Argument<FileInfo>("model") { Description = "ONNX model exported by `pinn export`." };
        var reference = new Option<FileInfo>("--reference", "-r")
        {
            Description = "Reference data: a CSV with a header naming input and field columns, or a .npz/.npy written by `pinn reference`.",
            Required = true,
        };
        var fields = new Option<string>("--fields") { Description = "Comma-separated fields to compare (default: every model field with a reference column)." };
        var predictions = new Option<FileInfo>("--predictions")
        {
            Description = "Also write a CSV with the inputs and, per field, the model's value, the reference and their difference (FIELD, FIELD_reference, FIELD_error).",
        };
        var device = DeviceOption.Create();
        var command = new Command("eval-onnx", "Compare an ONNX model's fields with reference data (relative L² and max abs error).");
        command.Arguments.Add(modelPath);
        command.Options.Add(reference);
        command.Options.Add(fields);
        command.Options.Add(predictions);
        command.Options.Add(device);
        command.SetAction(parse =>
        {
            var started = DateTime.UtcNow;
            var onnxDevice = DeviceOption.Resolve(parse, device);
            string referencePath = parse.GetValue(reference)!.FullName;
            string referenceName = parse.GetValue(reference)!.ToString();   // as the user wrote it, for messages
            string modelName = parse.GetValue(modelPath)!.ToString();
            var columns = ReadColumns(referencePath, referenceName);
            using var model = LoadModel(parse.GetValue(modelPath)!.FullName, onnxDevice, modelName: modelName);
            Comparison comparison;
            try { comparison = OnnxModelEvaluation.CompareWithValues(model, columns, ExportCommand.SplitNames(parse.GetValue(fields))); }
            catch (ArgumentException e) { throw new UsageException($"{e.Message} ({referenceName})"); }
            catch (InvalidOperationException e) when (e.InnerException is Microsoft.ML.OnnxRuntime.OnnxRuntimeException ort)
            {
                // A valid model whose batch (first) dimension is fixed evaluates only that many points per call.
                throw new UsageException(ort.Message.Contains("dimension", StringComparison.OrdinalIgnoreCase)
                    ? $"'{modelName}' cannot evaluate {columns.First().Value.Length} points in batches: its inputs have a fixed batch dimension " +
                      "(ONNX Runtime: " + ort.Message.Trim() + "). Export the model with a dynamic first dimension ('N', as `pinn export` writes it)."
                    : $"ONNX Runtime cannot evaluate '{modelName}': {ort.Message.Trim()}");
            }
            var errors = comparison.Errors;
            var predictionsFile = parse.GetValue(predictions);
            if (predictionsFile is not null)
                AtomicFile.WriteAllText(predictionsFile.FullName, PredictionsCsv(comparison, model.InputNames, columns));

            if (!CliOutput.IsJson(parse))
            {
                Console.WriteLine($"{modelName} vs {referenceName} ({errors[0].Points:N0} points)");
                foreach (var e in errors) Console.WriteLine($"  {e.Field,-12} rel L2 {e.RelativeL2:E3}   max |error| {e.MaxAbsError:E3}");
                if (predictionsFile is not null) Console.WriteLine($"  predictions written to {predictionsFile}");
            }
            var perField = new JsonObject();
            foreach (var e in errors)
                perField[e.Field] = new JsonObject { ["rel_l2"] = e.RelativeL2, ["max_abs_error"] = e.MaxAbsError };
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["model"] = model.Path,
                ["reference"] = referencePath,
                ["points"] = errors[0].Points,
                ["fields"] = perField,
                ["rel_l2"] = errors.Max(e => e.RelativeL2),
                ["execution_provider"] = model.ExecutionProvider,
                ["seconds"] = (DateTime.UtcNow - started).TotalSeconds,
            });
            return 0;
        });
        return command;
    }

    /// <summary>Inputs, then per field the model's value, the reference and model − reference; round-trip precision.</summary>
    private static string PredictionsCsv(Comparison comparison, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, double[]> columns)
    {
        var csv = new System.Text.StringBuilder();
        csv.AppendJoin(',', inputs.Concat(comparison.Fields.SelectMany(f => new[] { f, f + "_reference", f + "_error" }))).Append('\n');
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < comparison.Points; i++)
        {
            for (int j = 0; j < inputs.Count; j++) csv.Append(columns[inputs[j]][i].ToString("R", inv)).Append(',');
            for (int f = 0; f < comparison.Fields.Count; f++)
            {
                double value = comparison.Value(i, f); // the float32 output written exactly, so FIELD − FIELD_reference = FIELD_error
                double reference = columns[comparison.Fields[f]][i];
                csv.Append(value.ToString("R", inv)).Append(',').Append(reference.ToString("R", inv)).Append(',').Append((value - reference).ToString("R", inv));
                csv.Append(f + 1 < comparison.Fields.Count ? ',' : '\n');
            }
        }
        return csv.ToString();
    }

    /// <summary>Loads a model, turning a CUDA request that cannot be met into a usage error.</summary>
    internal static OnnxFieldModel LoadModel(string path, OnnxDevice device, int threads = 0, string? modelName = null)
    {
        try { return OnnxFieldModel.Load(path, new OnnxModelOptions(device, threads)); }
        catch (InvalidOperationException e) { throw new UsageException(modelName is null ? e.Message : e.Message.Replace(path, modelName)); }
        catch (InvalidDataException e) when (modelName is not null) { throw new InvalidDataException(e.Message.Replace(path, modelName), e); }
    }

    /// <summary>Named columns of a reference file: a plain CSV table, or a grid file of PinnServe.Reference.</summary>
    private static Dictionary<string, double[]> ReadColumns(string path, string name)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Reference file '{name}' does not exist.", path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".csv") return ReadCsv(path, name);
        if (extension is not (".npz" or ".npy"))
            throw new UsageException($"Unsupported reference file '{name}': use .csv (header + rows), .npz or .npy.");
        ReferenceSolution solution;
        try { solution = ReferenceFiles.Read(path); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException) { throw new InvalidDataException(e.Message.Replace(path, name), e); }
        double[] grid = solution.GridPoints();
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (int a = 0; a < solution.Axes.Count; a++)
        {
            var column = new double[solution.PointCount];
            for (int p = 0; p < column.Length; p++) column[p] = grid[p * solution.Axes.Count + a];
            columns[solution.Axes[a].Name] = column;
        }
        foreach (var field in solution.FieldNames) columns[field] = solution.Field(field);
        return columns;
    }

    private static Dictionary<string, double[]> ReadCsv(string path, string name)
    {
        var table = NumericCsv.Read(path, sourceName: name);
        if (table.RowCount == 0) throw new InvalidDataException($"'{name}' has a header but no rows.");
        return table.Columns!.Select((n, c) => (n, c)).ToDictionary(p => p.n, p => table.Column(p.c), StringComparer.Ordinal);
    }
}
