using System.Globalization;
using Grpc.Core;
using PinnServe.Contracts;
using PinnServe.Server.Models;

using static PinnServe.Server.Services.RpcErrors;

namespace PinnServe.Server.Services;

/// <summary>Reference points and values for Validate: row-major points (model input order) and values [point × field].</summary>
internal sealed record ReferenceTable(float[] Points, string[] Fields, float[] Values)
{
    public int PointCount => Fields.Length == 0 ? 0 : Values.Length / Fields.Length;

    /// <summary>
    /// Reads a reference CSV shipped with a model (<see cref="NumericCsv"/>: a header naming the columns, then one
    /// row per point). Every model input must be a column; every column named like a model field is compared;
    /// others are ignored. Messages name the file relative to the models directory.
    /// </summary>
    public static ReferenceTable ReadCsv(string path, IFieldModel model, string datasetName)
    {
        NumericTable csv;
        try { csv = NumericCsv.Read(path, CsvHeader.Required, Path.GetFileName(path)); }
        catch (InvalidDataException e) { throw Malformed(datasetName, e.Message); }
        var columns = csv.Columns!;
        var inputColumn = model.InputNames.Select(csv.IndexOf).ToArray();
        for (int i = 0; i < inputColumn.Length; i++)
            if (inputColumn[i] < 0) throw Malformed(datasetName, $"no column for input '{model.InputNames[i]}'");
        var fields = model.FieldNames.Where(columns.Contains).ToArray();
        if (fields.Length == 0) throw Malformed(datasetName, $"no column names a field of the model ({string.Join(", ", model.FieldNames)})");
        var fieldColumn = fields.Select(csv.IndexOf).ToArray();
        if (csv.RowCount == 0) throw Malformed(datasetName, "it has no data rows");

        var points = new float[csv.RowCount * inputColumn.Length];
        var values = new float[csv.RowCount * fieldColumn.Length];
        for (int row = 0; row < csv.RowCount; row++)
        {
            for (int i = 0; i < inputColumn.Length; i++) points[row * inputColumn.Length + i] = Cell(csv, row, inputColumn[i], datasetName);
            for (int f = 0; f < fieldColumn.Length; f++) values[row * fieldColumn.Length + f] = Cell(csv, row, fieldColumn[f], datasetName);
        }
        return new ReferenceTable(points, fields, values);
    }

    private static float Cell(NumericTable csv, int row, int column, string datasetName) =>
        float.IsFinite((float)csv[row, column])
            ? (float)csv[row, column]
            : throw Malformed(datasetName, $"line {csv.LineNumber(row)} has the non-finite value {csv[row, column].ToString(CultureInfo.InvariantCulture)} in column '{csv.Columns![column]}'");

    private static RpcException Malformed(string datasetName, string problem) =>
        Error(StatusCode.FailedPrecondition, $"Reference data set '{datasetName}' is malformed: {problem}.");
}
