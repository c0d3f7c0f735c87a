namespace PinnServe.Reference.Files;

/// <summary>
/// A reference solution at scattered points, as benchmarks ship it (a COMSOL export, a CSV table): rows over a
/// problem's inputs with one value per field. A grid (<see cref="ReferenceSolution"/>) stays a grid; every other
/// table a data file holds becomes this.
/// </summary>
public sealed class ReferencePoints
{
    public ReferencePoints(string[] inputs, double[] points, string[] fields, double[][] values, string source)
    {
        if (fields.Length == 0 || values.Length != fields.Length) throw new ArgumentException("A reference needs at least one field, with one value array each.");
        int count = values[0].Length;
        if (values.Any(v => v.Length != count) || points.Length != count * inputs.Length)
            throw new ArgumentException($"{count} reference values per field need {count} × {inputs.Length} coordinates, got {points.Length}.");
        if (count == 0) throw new InvalidDataException($"{source}: no points.");
        (Inputs, Points, Fields, Values, Source) = (inputs, points, fields, values, source);
    }

    public string[] Inputs { get; }
    /// <summary>Row-major points × inputs.</summary>
    public double[] Points { get; }
    public string[] Fields { get; }
    /// <summary>Values per field.</summary>
    public double[][] Values { get; }
    /// <summary>What the points are, for logs and summaries: "burgers1d.dat (1111 points; X → x)".</summary>
    public string Source { get; }
    public int Count => Values[0].Length;

    /// <summary>
    /// A table whose columns stand for <paramref name="names"/> (after <see cref="ColumnMatch"/> or a user's
    /// mapping): every input must be a column; columns naming one of <paramref name="fields"/> are the values,
    /// other columns are ignored. Rows with a non-finite value (a mesh node a solver left empty) are left out and counted.
    /// </summary>
    public static ReferencePoints FromTable(PointTable table, IReadOnlyList<string> names, IReadOnlyList<string> inputs,
        IReadOnlyList<string> fields, string file)
    {
        if (names.Count != table.Columns.Count) throw new ArgumentException($"{names.Count} names for {table.Columns.Count} columns.");
        int Column(string name) => names.ToList().IndexOf(name);
        foreach (var input in inputs)
            if (Column(input) < 0) throw new InvalidDataException(ColumnMatch.Missing(table.Columns, input, file));
        var present = fields.Where(f => Column(f) >= 0 && !inputs.Contains(f)).Distinct().ToArray();
        if (present.Length == 0)
            throw new InvalidDataException($"'{file}': no column names a field ({string.Join(", ", fields)}; columns: {string.Join(", ", table.Columns)})");
        var inputColumns = inputs.Select(i => table.Column(table.Columns[Column(i)])).ToArray();
        var fieldColumns = present.Select(f => table.Column(table.Columns[Column(f)])).ToArray();
        var keep = Enumerable.Range(0, table.Rows)
            .Where(r => inputColumns.All(c => double.IsFinite(c[r])) && fieldColumns.All(c => double.IsFinite(c[r]))).ToArray();
        var points = new double[keep.Length * inputs.Count];
        for (int k = 0; k < keep.Length; k++)
            for (int a = 0; a < inputs.Count; a++) points[k * inputs.Count + a] = inputColumns[a][keep[k]];
        var values = fieldColumns.Select(c => keep.Select(r => c[r]).ToArray()).ToArray();
        var notes = new List<string> { $"{keep.Length} points" };
        if (keep.Length < table.Rows) notes.Add($"{table.Rows - keep.Length} rows with non-finite values left out");
        string renames = ColumnMatch.Renames(table.Columns, names);
        if (renames.Length > 0) notes.Add(renames);
        return new ReferencePoints([.. inputs], points, present, values, $"{file} ({string.Join("; ", notes)})");
    }

    /// <summary>Any table <see cref="PointTables"/> reads, its columns matched to the inputs and fields by <see cref="ColumnMatch.Auto"/>.</summary>
    public static ReferencePoints Read(string path, IReadOnlyList<string> inputs, IReadOnlyList<string> fields)
    {
        string file = Path.GetFileName(path);
        var table = PointTables.Read(path);
        var names = ColumnMatch.Auto(table.Columns, [.. inputs, .. fields], file);
        return FromTable(table, names, inputs, fields, file);
    }

    /// <summary>
    /// The file as a grid when it is one (`pinn reference` output: .npz with its metadata, .npy/.csv with the .json
    /// sidecar), else null: the file is a table of points.
    /// </summary>
    public static ReferenceSolution? TryGrid(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".npy" or ".csv") return File.Exists(ReferenceFiles.SidecarPath(path)) ? ReferenceFiles.Read(path) : null;
        if (extension != ".npz") return null;
        try { return ReferenceFiles.Read(path); }
        catch (InvalidDataException) { return null; } // a NumPy archive of columns, not a grid
    }
}
