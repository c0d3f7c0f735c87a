using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Reference.Files;

namespace PinnServe.Physics.Files;

/// <summary>
/// A data term: <c>file</c> holds observation points and values (any table <see cref="PointTables"/> reads: .csv,
/// .npy, .npz, .mat, .txt/.dat); columns named like the inputs are the points, <c>fields</c> (default: every other
/// column that names an output or derived field) the observed values. Each error is field − observed.
/// </summary>
internal static class DataReader
{
    public static Piece Read(DocTable t, FileProblem problem, Box box)
    {
        string file = t.RequireString("file");
        string path = problem.Source.Resolve(file);
        if (!File.Exists(path)) throw t.Where("file").Error($"data file '{file}' does not exist");
        PointTable table;
        try { table = PointTables.Read(path); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException)
        {
            throw t.Where("file").Error(e.Message.Replace(path, file));
        }
        var axes = box.Names;
        foreach (var axis in axes)
            if (!table.Columns.Contains(axis)) throw t.Where("file").Error($"'{file}' has no column '{axis}' (columns: {string.Join(", ", table.Columns)})");
        var fields = t.Has("fields")
            ? t.Strings("fields")
            : table.Columns.Where(c => !axes.Contains(c)).Select(c => (c, t.Where("file"))).ToList();
        if (fields.Count == 0) throw t.Where("file").Error($"'{file}' has no field columns besides the inputs");
        var points = new double[table.Rows * axes.Length];
        for (int r = 0; r < table.Rows; r++)
            for (int a = 0; a < axes.Length; a++) points[r * axes.Length + a] = table.Column(axes[a])[r];
        var errors = fields.Select(f =>
        {
            if (!table.Columns.Contains(f.Item1)) throw f.Item2.Error($"'{file}' has no column '{f.Item1}' (columns: {string.Join(", ", table.Columns)})");
            return problem.Parse(f.Item1, f.Item2) - new Observed($"{f.Item1}_observed", table.Column(f.Item1));
        }).ToList();
        return new Piece(new DataPoints(points, axes.Length), errors);
    }
}
