using System.Globalization;
using Grpc.Core;
using PinnServe.Server.Models;

using static PinnServe.Server.Services.RpcErrors;

namespace PinnServe.Server.Services;

/// <summary>Reference points and values for Validate: row-major points (model input order) and values [point × field].</summary>
internal sealed record ReferenceTable(float[] Points, string[] Fields, float[] Values)
{
    public int PointCount => Fields.Length == 0 ? 0 : Values.Length / Fields.Length;

    /// <summary>
    /// Reads a reference CSV shipped with a model: a header naming the columns, then one row per point.
    /// Every model input must be a column; every column named like a model field is compared; others are ignored.
    /// </summary>
    public static ReferenceTable ReadCsv(string path, IFieldModel model, string datasetName)
    {
        using var reader = new StreamReader(path);
        string header = reader.ReadLine() ?? throw Malformed(datasetName, "the file is empty");
        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        var inputColumn = model.InputNames.Select(name => Array.IndexOf(columns, name)).ToArray();
        for (int i = 0; i < inputColumn.Length; i++)
            if (inputColumn[i] < 0) throw Malformed(datasetName, $"no column for input '{model.InputNames[i]}'");
        var fields = model.FieldNames.Where(columns.Contains).ToArray();
        if (fields.Length == 0) throw Malformed(datasetName, $"no column names a field of the model ({string.Join(", ", model.FieldNames)})");
        var fieldColumn = fields.Select(f => Array.IndexOf(columns, f)).ToArray();

        var points = new List<float>();
        var values = new List<float>();
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            if (cells.Length != columns.Length) throw Malformed(datasetName, $"line {lineNumber} has {cells.Length} cells, the header {columns.Length}");
            foreach (int c in inputColumn) points.Add(ParseCell(cells[c], datasetName, lineNumber));
            foreach (int c in fieldColumn) values.Add(ParseCell(cells[c], datasetName, lineNumber));
        }
        if (values.Count == 0) throw Malformed(datasetName, "it has no data rows");
        return new ReferenceTable(points.ToArray(), fields, values.ToArray());
    }

    private static float ParseCell(string cell, string datasetName, int lineNumber) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)
            ? value
            : throw Malformed(datasetName, $"line {lineNumber} has the non-numeric or non-finite value '{cell.Trim()}'");

    private static RpcException Malformed(string datasetName, string problem) =>
        Error(StatusCode.FailedPrecondition, $"Reference data set '{datasetName}' is malformed: {problem}.");
}
