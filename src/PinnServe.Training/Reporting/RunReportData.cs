using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Training.Reporting;

/// <summary>
/// Everything the report shows about one run, read from its directory: config, summary, metrics.csv,
/// hessian.csv, gradient_histograms.json, and the fields of the network in its checkpoint on a grid.
/// The directory is only read, never changed.
/// </summary>
public sealed class RunReportData
{
    public required string Label { get; init; }
    public required string Directory { get; init; }
    public required TrainingRecipe Config { get; init; }
    public required JsonObject? Summary { get; init; }
    public required Dictionary<string, double?[]> Metrics { get; init; }
    public required Dictionary<string, double?[]>? Hessian { get; init; }
    public required GradientHistogramFile? Histograms { get; init; }
    public required FieldGrid Fields { get; init; }
    public required int Step { get; init; }

    public static RunReportData Load(string dir, int gridPointsPerAxis, string? label = null)
    {
        if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"Run directory '{dir}' does not exist.");
        FieldGrid fields;
        int step;
        TrainingRecipe config;
        // Read-only: the newest intact checkpoint; nothing in the run is written (a training may be running in it).
        using (var trainer = Runs.RunReader.OpenCheckpoint(dir))
        {
            config = trainer.Config;
            step = trainer.Step;
            fields = FieldGrid.Evaluate(trainer, gridPointsPerAxis);
        }
        string summaryPath = Path.Combine(dir, TrainingRun.SummaryFile);
        string hessianPath = Path.Combine(dir, TrainingDiagnostics.HessianFile);
        string histogramPath = Path.Combine(dir, GradientHistogramFile.FileName);
        return new RunReportData
        {
            Label = label ?? $"{config.Model} ({Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar))})",
            Directory = Path.GetFullPath(dir),
            Config = config,
            Summary = File.Exists(summaryPath) ? ReadJson(summaryPath) : null,
            Metrics = ReadCsvColumns(Path.Combine(dir, TrainingRun.MetricsFile)),
            Hessian = File.Exists(hessianPath) ? ReadCsvColumns(hessianPath) : null,
            Histograms = File.Exists(histogramPath) ? GradientHistogramFile.Load(histogramPath) : null,
            Fields = fields,
            Step = step,
        };
    }

    private static JsonObject ReadJson(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' is not a JSON object."); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}"); }
    }

    /// <summary>A CSV with a header row as columns of numbers; empty cells are null.</summary>
    public static Dictionary<string, double?[]> ReadCsvColumns(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist.");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"'{path}' is empty (no header row).");
        var header = lines[0].Split(',');
        var columns = header.Select(_ => new List<double?>()).ToArray();
        for (int row = 1; row < lines.Length; row++)
        {
            var cells = lines[row].Split(',');
            if (cells.Length != header.Length)
                throw new InvalidDataException($"'{path}' line {row + 1} has {cells.Length} cells, the header has {header.Length}.");
            for (int c = 0; c < cells.Length; c++)
            {
                if (cells[c].Length == 0) { columns[c].Add(null); continue; }
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                    throw new InvalidDataException($"'{path}' line {row + 1}, column '{header[c]}': '{cells[c]}' is not a number.");
                columns[c].Add(value);
            }
        }
        return header.Select((name, c) => (name, columns[c].ToArray())).ToDictionary(x => x.name, x => x.Item2);
    }
}
