using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Reference.Files;

namespace PinnServe.Physics.Files;

/// <summary>
/// A data term: <c>file</c> holds observation points and values (any table <see cref="PointTables"/> reads: .csv,
/// .npy, .npz, .mat, .txt/.dat); columns named like the inputs are the points, <c>fields</c> (default: every other
/// column) the observed values. Each error is field − observed. Columns are matched to names exactly, else by an
/// unambiguous case-insensitive match (COMSOL writes X, Y); <c>columns = ["x", "y", "u"]</c> names the file's
/// columns by position (a table without a header) and <c>columns = { x = "X" }</c> maps names to columns.
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
        var names = Names(t, table, file, axes.Concat(problem.Outputs).Concat(problem.DerivedFields.Select(f => f.Name)).ToArray());
        double[] Column(string name) => table.Column(table.Columns[Array.IndexOf(names, name)]);
        foreach (var axis in axes)
            if (!names.Contains(axis)) throw t.Where("file").Error($"'{file}' has no column '{axis}' (columns: {string.Join(", ", table.Columns)}; map one with columns = {{ {axis} = \"…\" }})");
        var fields = t.Has("fields")
            ? t.Strings("fields")
            : names.Where(c => !axes.Contains(c)).Select(c => (c, t.Where("file"))).ToList();
        if (fields.Count == 0) throw t.Where("file").Error($"'{file}' has no field columns besides the inputs");
        var points = new double[table.Rows * axes.Length];
        var axisColumns = axes.Select(Column).ToArray();
        for (int r = 0; r < table.Rows; r++)
            for (int a = 0; a < axes.Length; a++) points[r * axes.Length + a] = axisColumns[a][r];
        var errors = fields.Select(f =>
        {
            if (!names.Contains(f.Item1)) throw f.Item2.Error($"'{file}' has no column '{f.Item1}' (columns: {string.Join(", ", table.Columns)})");
            return problem.Parse(f.Item1, f.Item2) - new Observed($"{f.Item1}_observed", Column(f.Item1));
        }).ToList();
        return new Piece(new DataPoints(points, axes.Length), errors);
    }

    /// <summary>The name each of the file's columns stands for, after <c>columns</c> and case-insensitive matching of <paramref name="known"/> names.</summary>
    internal static string[] Names(DocTable t, PointTable table, string file, IReadOnlyList<string> known)
    {
        var columns = table.Columns;
        if (t.Values.GetValueOrDefault("columns") is List<object?>)
        {
            var given = t.Strings("columns");
            if (given.Count != columns.Count)
                throw t.Where("columns").Error($"'columns' names {given.Count} columns; '{file}' has {columns.Count} ({string.Join(", ", columns)})");
            if (given.Select(g => g.Text).Distinct().Count() != given.Count) throw t.Where("columns").Error("'columns' names a column twice");
            return given.Select(g => g.Text).ToArray();
        }
        var names = columns.ToArray();
        if (t.Table("columns") is { } map)
        {
            foreach (var (name, _) in map.Values)
            {
                string column = map.RequireString(name);
                int index = Match(columns, column, map.Where(name), file);
                if (index < 0) throw map.Where(name).Error($"'{file}' has no column '{column}' (columns: {string.Join(", ", columns)})");
                names[index] = name;
            }
            return names;
        }
        // An input or field with no column of its exact name takes the one column that matches it ignoring case.
        try { return ColumnMatch.Auto(columns, known, file); }
        catch (AmbiguousColumnException e) { throw t.Where("file").Error(e.Message); }
    }

    /// <summary>The column named <paramref name="name"/> exactly, else the only one matching it ignoring case; −1 if none; an error if several.</summary>
    private static int Match(IReadOnlyList<string> columns, string name, SourceLocation where, string file)
    {
        try { return ColumnMatch.Find(columns, name, file); }
        catch (AmbiguousColumnException e) { throw where.Error(e.Message); }
    }
}
