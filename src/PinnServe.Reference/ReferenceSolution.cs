namespace PinnServe.Reference;

/// <summary>One coordinate axis of a tensor grid. A periodic axis wraps with <see cref="Period"/> when interpolating.</summary>
public sealed record GridAxis(string Name, double[] Coordinates, double? Period = null)
{
    public int Length => Coordinates.Length;
}

/// <summary>
/// A reference solution sampled on a tensor grid: axes in a declared order (e.g. t then x), fields stored
/// row-major over those axes (the last axis varies fastest), and the metadata that produced them.
/// </summary>
public sealed class ReferenceSolution
{
    private readonly Dictionary<string, double[]> _fields;

    public ReferenceSolution(
        string problem,
        IReadOnlyList<GridAxis> axes,
        IReadOnlyList<KeyValuePair<string, double[]>> fields,
        IReadOnlyDictionary<string, double>? parameters = null,
        IReadOnlyDictionary<string, string>? solverSettings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(problem);
        if (axes.Count == 0) throw new ArgumentException("A reference solution needs at least one axis.", nameof(axes));
        if (fields.Count == 0) throw new ArgumentException("A reference solution needs at least one field.", nameof(fields));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var axis in axes)
        {
            if (!names.Add(axis.Name)) throw new ArgumentException($"Duplicate name '{axis.Name}'.", nameof(axes));
            if (axis.Length == 0) throw new ArgumentException($"Axis '{axis.Name}' has no coordinates.", nameof(axes));
            for (int i = 1; i < axis.Length; i++)
                if (!(axis.Coordinates[i] > axis.Coordinates[i - 1]))
                    throw new ArgumentException($"Axis '{axis.Name}' must be strictly increasing (index {i}).", nameof(axes));
            if (axis.Period is double period && !(period > axis.Coordinates[^1] - axis.Coordinates[0]))
                throw new ArgumentException($"Period of axis '{axis.Name}' must exceed its coordinate span.", nameof(axes));
        }
        Shape = axes.Select(a => a.Length).ToArray();
        PointCount = Shape.Aggregate(1, (product, length) => checked(product * length));
        _fields = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var fieldNames = new List<string>();
        foreach (var (name, values) in fields)
        {
            if (!names.Add(name)) throw new ArgumentException($"Duplicate name '{name}'.", nameof(fields));
            if (values.Length != PointCount)
                throw new ArgumentException(
                    $"Field '{name}' has {values.Length} values but the grid {string.Join('×', Shape)} has {PointCount} points.", nameof(fields));
            _fields[name] = values;
            fieldNames.Add(name);
        }
        Problem = problem;
        Axes = axes.ToArray();
        FieldNames = fieldNames;
        Parameters = new Dictionary<string, double>(parameters ?? new Dictionary<string, double>());
        SolverSettings = new Dictionary<string, string>(solverSettings ?? new Dictionary<string, string>());
    }

    public string Problem { get; }
    public IReadOnlyList<GridAxis> Axes { get; }
    public IReadOnlyList<string> FieldNames { get; }
    /// <summary>Problem parameters (ν, Re, …) the solution was computed with.</summary>
    public IReadOnlyDictionary<string, double> Parameters { get; }
    /// <summary>Solver settings (method, resolution, tolerances, achieved residuals), as text.</summary>
    public IReadOnlyDictionary<string, string> SolverSettings { get; }
    /// <summary>Number of coordinates along each axis, in axis order.</summary>
    public int[] Shape { get; }
    public int PointCount { get; }

    public GridAxis Axis(string name) =>
        Axes.FirstOrDefault(a => a.Name == name) ?? throw new KeyNotFoundException($"No axis '{name}' (axes: {string.Join(", ", Axes.Select(a => a.Name))}).");

    /// <summary>The values of a field, row-major over <see cref="Axes"/>.</summary>
    public double[] Field(string name) =>
        _fields.TryGetValue(name, out var values) ? values
        : throw new KeyNotFoundException($"No field '{name}' (fields: {string.Join(", ", FieldNames)}).");

    /// <summary>Flat index of a grid point from its per-axis indices.</summary>
    public int Index(params ReadOnlySpan<int> indices)
    {
        int flat = 0;
        for (int a = 0; a < Shape.Length; a++) flat = flat * Shape[a] + indices[a];
        return flat;
    }

    /// <summary>Every grid point's coordinates, row-major (PointCount × axis count), in the same order as the field values.</summary>
    public double[] GridPoints()
    {
        int dimensions = Axes.Count;
        var points = new double[PointCount * dimensions];
        Span<int> index = stackalloc int[dimensions];
        for (int p = 0; p < PointCount; p++)
        {
            for (int a = 0; a < dimensions; a++) points[p * dimensions + a] = Axes[a].Coordinates[index[a]];
            for (int a = dimensions - 1; a >= 0; a--)
            {
                if (++index[a] < Shape[a]) break;
                index[a] = 0;
            }
        }
        return points;
    }

    /// <summary>‖predicted − reference‖₂ / ‖reference‖₂ over the grid points, predicted in <see cref="GridPoints"/> order.</summary>
    public double RelativeL2(string field, ReadOnlySpan<double> predicted)
    {
        double[] reference = Field(field);
        if (predicted.Length != reference.Length)
            throw new ArgumentException($"Expected {reference.Length} predicted values (one per grid point), got {predicted.Length}.", nameof(predicted));
        double error = 0, norm = 0;
        for (int p = 0; p < reference.Length; p++)
        {
            double difference = predicted[p] - reference[p];
            error += difference * difference;
            norm += reference[p] * reference[p];
        }
        return Math.Sqrt(error / norm);
    }

    /// <summary>Multilinear (bilinear in 2D) interpolation of a field at one point given in axis order.</summary>
    public double Interpolate(string field, params ReadOnlySpan<double> point)
    {
        double[] values = Field(field);
        if (point.Length != Axes.Count)
            throw new ArgumentException($"Expected a point with {Axes.Count} coordinates ({string.Join(", ", Axes.Select(a => a.Name))}).", nameof(point));
        int dimensions = Axes.Count;
        Span<int> lower = stackalloc int[dimensions];
        Span<int> upper = stackalloc int[dimensions];
        Span<double> fraction = stackalloc double[dimensions];
        for (int a = 0; a < dimensions; a++) Locate(Axes[a], point[a], out lower[a], out upper[a], out fraction[a]);

        // Sum over the 2^d corners of the cell, each weighted by the product of its 1D hat weights.
        double sum = 0;
        for (int corner = 0; corner < 1 << dimensions; corner++)
        {
            double weight = 1;
            int flat = 0;
            for (int a = 0; a < dimensions; a++)
            {
                bool high = (corner >> (dimensions - 1 - a) & 1) == 1;
                weight *= high ? fraction[a] : 1 - fraction[a];
                flat = flat * Shape[a] + (high ? upper[a] : lower[a]);
            }
            if (weight != 0) sum += weight * values[flat];
        }
        return sum;
    }

    /// <summary>Interpolates at many points (row-major, points.Length = count × axis count) into <paramref name="result"/>.</summary>
    public void Interpolate(string field, ReadOnlySpan<double> points, Span<double> result)
    {
        int dimensions = Axes.Count;
        if (points.Length != result.Length * dimensions)
            throw new ArgumentException($"points must hold {result.Length} × {dimensions} coordinates.", nameof(points));
        for (int p = 0; p < result.Length; p++) result[p] = Interpolate(field, points.Slice(p * dimensions, dimensions));
    }

    private static void Locate(GridAxis axis, double x, out int lower, out int upper, out double fraction)
    {
        double[] c = axis.Coordinates;
        double first = c[0], last = c[^1];
        if (double.IsNaN(x)) throw new ArgumentException($"Coordinate {axis.Name} is NaN.");
        if (axis.Period is double period)
        {
            x = first + (((x - first) % period) + period) % period;
            if (x >= last)
            {
                // Between the last node and the first node's periodic image.
                lower = c.Length - 1; upper = 0;
                fraction = Math.Clamp((x - last) / (first + period - last), 0, 1);
                return;
            }
        }
        else
        {
            double slack = 1e-9 * Math.Max(1, last - first);
            if (x < first - slack || x > last + slack)
                throw new ArgumentOutOfRangeException(nameof(x), x, $"Coordinate {axis.Name} = {x} lies outside the grid [{first}, {last}].");
            x = Math.Clamp(x, first, last);
        }
        if (c.Length == 1) { lower = upper = 0; fraction = 0; return; }
        int found = Array.BinarySearch(c, x);
        int cell = found >= 0 ? Math.Min(found, c.Length - 2) : Math.Clamp(~found - 1, 0, c.Length - 2);
        lower = cell; upper = cell + 1;
        fraction = (x - c[cell]) / (c[cell + 1] - c[cell]);
    }
}
