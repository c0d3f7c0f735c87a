namespace PinnServe.Reference.Files;

/// <summary>Scattered data as named columns of equal length: coordinates and field values, one row per point.</summary>
public sealed class PointTable
{
    private readonly Dictionary<string, double[]> _columns;

    public PointTable(IReadOnlyList<string> columns, IReadOnlyList<double[]> values)
    {
        if (columns.Count != values.Count) throw new ArgumentException($"{columns.Count} column names for {values.Count} columns.");
        if (columns.Count == 0) throw new ArgumentException("A table needs at least one column.");
        if (columns.Distinct().Count() != columns.Count) throw new InvalidDataException($"Duplicate column names in {string.Join(", ", columns)}.");
        if (values.Any(v => v.Length != values[0].Length)) throw new InvalidDataException("Columns differ in length.");
        Columns = columns;
        _columns = columns.Zip(values).ToDictionary(p => p.First, p => p.Second);
        Rows = values[0].Length;
    }

    public IReadOnlyList<string> Columns { get; }
    public int Rows { get; }

    public double[] Column(string name) => _columns.TryGetValue(name, out var c) ? c
        : throw new ArgumentException($"No column '{name}' (columns: {string.Join(", ", Columns)}).");

    /// <summary>Every point of a grid reference solution as a row: its axes, then its fields.</summary>
    public static PointTable FromGrid(ReferenceSolution grid)
    {
        var points = grid.GridPoints();
        int d = grid.Axes.Count;
        var columns = grid.Axes.Select((a, i) => Enumerable.Range(0, grid.PointCount).Select(p => points[p * d + i]).ToArray()).ToList();
        columns.AddRange(grid.FieldNames.Select(grid.Field));
        return new PointTable([.. grid.Axes.Select(a => a.Name), .. grid.FieldNames], columns);
    }
}

/// <summary>
/// Reads the data files users have into a <see cref="PointTable"/>, by extension: .csv (a header line, then rows),
/// .npz/.npy grids from `pinn reference` or NumPy archives of equal-length 1-D arrays, MATLAB .mat v5 (vectors as
/// columns, or axis vectors with field matrices over them), and whitespace text tables as finite-element tools
/// export them (.txt/.dat; COMSOL's %-comments, "u @ t=0.5" snapshot columns).
/// </summary>
public static class PointTables
{
    public static readonly IReadOnlyList<string> Extensions = [".csv", ".npz", ".npy", ".mat", ".txt", ".dat"];

    public static PointTable Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file '{Path.GetFileName(path)}' does not exist.", path);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".csv" when !File.Exists(ReferenceFiles.SidecarPath(path)):
                var (names, table) = ReferenceFiles.ReadCsvTable(path);
                return FromRows(names, table);
            case ".csv" or ".npy":
                return PointTable.FromGrid(ReferenceFiles.Read(path));
            case ".npz":
                return ReadNpz(path);
            case ".mat":
                return FromMatrices(MatFile.Read(path), Path.GetFileName(path));
            case ".txt" or ".dat":
                return TextTable.Read(path);
            default:
                throw new ArgumentException($"Unsupported data file '{Path.GetFileName(path)}': use {string.Join(", ", Extensions)}.");
        }
    }

    /// <summary>A grid file's points, or a NumPy archive of equal-length 1-D arrays as columns.</summary>
    private static PointTable ReadNpz(string path)
    {
        try { return PointTable.FromGrid(ReferenceFiles.Read(path)); }
        catch (InvalidDataException) { }
        catch (ArgumentException) { }
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        var arrays = new Dictionary<string, NpyArray>();
        foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
        {
            arrays[entry.FullName[..^4]] = NpyFile.Read(entry, $"{Path.GetFileName(path)}:{entry.FullName}");
        }
        return FromMatrices(arrays.Select(a => new MatVariable(a.Key, a.Value.Shape, a.Value.Data, ColumnMajor: false)).ToList(), Path.GetFileName(path));
    }

    private static PointTable FromRows(string[] names, NpyArray table)
    {
        int rows = table.Shape[0], cols = table.Shape[1];
        var columns = Enumerable.Range(0, cols).Select(c => Enumerable.Range(0, rows).Select(r => table.Data[r * cols + c]).ToArray()).ToList();
        return new PointTable(names, columns);
    }

    /// <summary>
    /// Named arrays as a table: all vectors of one length are columns; or, when some arrays are matrices, the vectors
    /// whose lengths match a matrix's dimensions are its axes (Deguchi & Asai 2023's .mat files: x, t and usol(x, t)), expanded
    /// to one row per grid point.
    /// </summary>
    public static PointTable FromMatrices(IReadOnlyList<MatVariable> variables, string source)
    {
        var vectors = variables.Where(v => v.IsVector).ToList();
        var matrices = variables.Where(v => !v.IsVector).ToList();
        if (matrices.Count == 0)
        {
            if (vectors.Count == 0) throw new InvalidDataException($"{source}: no numeric arrays.");
            int n = vectors[0].Count;
            if (vectors.Any(v => v.Count != n))
                throw new InvalidDataException($"{source}: vectors differ in length ({string.Join(", ", vectors.Select(v => $"{v.Name}: {v.Count}"))}).");
            return new PointTable(vectors.Select(v => v.Name).ToList(), vectors.Select(v => v.Data).ToList());
        }
        var shape = matrices[0].Dimensions;
        if (matrices.Any(m => !m.Dimensions.SequenceEqual(shape)))
            throw new InvalidDataException($"{source}: field matrices differ in shape.");
        // Axis k: the vector whose length is dimension k (names in file order decide ties).
        var axes = new List<MatVariable>();
        foreach (int length in shape)
        {
            var axis = vectors.FirstOrDefault(v => v.Count == length && !axes.Contains(v))
                ?? throw new InvalidDataException($"{source}: no vector of length {length} for a dimension of the {string.Join("x", shape)} field matrices.");
            axes.Add(axis);
        }
        int total = shape.Aggregate(1, (a, b) => a * b);
        var coordinates = axes.Select(_ => new double[total]).ToList();
        var fields = matrices.Select(_ => new double[total]).ToList();
        var index = new int[shape.Length];
        for (int p = 0; p < total; p++)
        {
            int rem = p;
            for (int k = shape.Length - 1; k >= 0; k--) { index[k] = rem % shape[k]; rem /= shape[k]; }
            for (int k = 0; k < shape.Length; k++) coordinates[k][p] = axes[k].Data[index[k]];
            for (int f = 0; f < matrices.Count; f++) fields[f][p] = matrices[f].At(index);
        }
        return new PointTable([.. axes.Select(a => a.Name), .. matrices.Select(m => m.Name)], [.. coordinates, .. fields]);
    }
}
