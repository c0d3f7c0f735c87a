using PinnServe.Physics;
using PinnServe.Physics.Geometry;
using PinnServe.Reference.Files;

namespace PinnServe.Training.Evaluation;

/// <summary>
/// Fixed evaluation points with reference values: used to report the relative L² error, never for model
/// selection.
/// </summary>
public sealed class EvaluationSet
{
    public EvaluationSet(string[] fields, double[] points, double[][] reference, string source)
    {
        Fields = fields;
        Points = points;
        Reference = reference;
        Source = source;
    }

    public string[] Fields { get; }
    /// <summary>Row-major points × axes.</summary>
    public double[] Points { get; }
    /// <summary>Reference values per field.</summary>
    public double[][] Reference { get; }
    /// <summary>What the reference values are, by file name only (never a path): "burgers1d.dat (1111 points; X → x)".</summary>
    public string Source { get; }
    /// <summary>Where the reference comes from: "reference-file" (--reference), "problem-reference" (the problem file's
    /// [reference]), "exact" (the problem's exact solution) or "solver" (the catalog's reference solver).</summary>
    public string Origin { get; private init; } = "";
    public int Count => Reference.Length == 0 ? 0 : Reference[0].Length;

    /// <summary>A uniform tensor grid with <paramref name="perAxis"/> points per axis and the problem's exact solution.</summary>
    public static EvaluationSet FromExactSolution(Problem problem, int perAxis)
    {
        var box = problem.Domain;
        int d = box.Dimension;
        int total = (int)Math.Pow(perAxis, d);
        var points = new double[total * d];
        var values = problem.EvaluatedFields.Select(_ => new double[total]).ToArray();
        var point = new double[d];
        int kept = 0;
        for (int i = 0; i < total; i++)
        {
            int rem = i;
            for (int a = d - 1; a >= 0; a--)
            {
                var axis = box.Axes[a];
                int k = rem % perAxis; rem /= perAxis;
                point[a] = axis.Min + (axis.Max - axis.Min) * k / (perAxis - 1);
            }
            if (!problem.Contains(point)) continue; // grid points outside a domain with holes are not evaluated
            point.CopyTo(points, kept * d);
            var exact = problem.Exact(point) ?? throw new InvalidOperationException($"{problem.Name} has no exact solution; give a reference file.");
            for (int f = 0; f < values.Length; f++) values[f][kept] = exact[f];
            kept++;
        }
        if (kept < total)
        {
            points = points[..(kept * d)];
            values = values.Select(v => v[..kept]).ToArray();
        }
        return new EvaluationSet(problem.EvaluatedFields, points, values,
            $"exact solution on a {string.Join("x", Enumerable.Repeat(perAxis, d))} grid" + (kept < total ? $" ({kept} points inside the domain)" : ""));
    }

    /// <summary>
    /// The grid points of a reference solution (computed by a solver or read from a `pinn reference` file).
    /// Its axes must be the problem's inputs in order.
    /// </summary>
    public static EvaluationSet FromReference(Problem problem, PinnServe.Reference.ReferenceSolution reference, string source)
    {
        var axes = reference.Axes.Select(a => a.Name).ToArray();
        var inputs = problem.Domain.Names;
        if (axes.Length != inputs.Length || !axes.Order().SequenceEqual(inputs.Order()))
            throw new InvalidDataException($"Reference axes ({string.Join(", ", axes)}) do not match {problem.Name}'s inputs ({string.Join(", ", inputs)}).");
        foreach (var f in problem.EvaluatedFields)
            if (!reference.FieldNames.Contains(f))
                throw new InvalidDataException($"Reference has no field '{f}' (fields: {string.Join(", ", reference.FieldNames)}).");
        // The grid's axes may come in another order than the inputs (a solver's (t, x) for inputs x, t): permute columns.
        var grid = reference.GridPoints();
        int d = axes.Length;
        var column = inputs.Select(name => Array.IndexOf(axes, name)).ToArray();
        var points = new double[grid.Length];
        for (int p = 0; p < reference.PointCount; p++)
            for (int a = 0; a < d; a++) points[p * d + a] = grid[p * d + column[a]];
        return new EvaluationSet(problem.EvaluatedFields, points,
            problem.EvaluatedFields.Select(reference.Field).ToArray(), source);
    }

    /// <summary>
    /// Scattered reference points (a benchmark's data file): the problem's evaluated fields the file holds, else
    /// every field it holds. The points' inputs must be the problem's, in order.
    /// </summary>
    public static EvaluationSet FromPoints(Problem problem, ReferencePoints reference)
    {
        if (!reference.Inputs.SequenceEqual(problem.Domain.Names))
            throw new InvalidDataException($"Reference points over ({string.Join(", ", reference.Inputs)}) do not match {problem.Name}'s inputs ({string.Join(", ", problem.Domain.Names)}).");
        var fields = problem.EvaluatedFields.Where(reference.Fields.Contains).ToArray();
        if (fields.Length == 0) fields = reference.Fields;
        return new EvaluationSet(fields, reference.Points, fields.Select(f => reference.Values[Array.IndexOf(reference.Fields, f)]).ToArray(), reference.Source);
    }

    /// <summary>A reference file given for a run (--reference): a grid as a grid, any other table as scattered points;
    /// <paramref name="columns"/> (--reference-columns) names a table's columns by position or name=column.</summary>
    public static EvaluationSet FromFile(Problem problem, string path, string? columns = null)
    {
        string file = Path.GetFileName(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Reference file '{file}' does not exist.", path);
        if (columns is null && ReferencePoints.TryGrid(path) is { } grid) return FromReference(problem, grid, file);
        var fields = problem.EvaluatedFields.Concat(problem.Outputs).Concat(problem.DerivedFields.Select(f => f.Name)).Distinct().ToArray();
        if (columns is null) return FromPoints(problem, ReferencePoints.Read(path, problem.Domain.Names, fields));
        var table = PointTables.Read(path);
        return FromPoints(problem, ReferencePoints.FromTable(table, ColumnMatch.FromSpec(columns, table.Columns, file, "--reference-columns"), problem.Domain.Names, fields, file));
    }

    /// <summary>
    /// A run's reference data: a given file (--reference), else the exact solution, else the problem file's
    /// [reference] table, else the problem's solver; null when there is none.
    /// </summary>
    public static EvaluationSet? ForRun(Problem problem, string? referenceFile, int evaluationGrid, string? referenceColumns = null)
    {
        if (referenceColumns is not null && referenceFile is null)
            throw new ArgumentException("--reference-columns (data.reference_columns) names the columns of a --reference file; give one.");
        if (referenceFile is not null) return WithOrigin(FromFile(problem, referenceFile, referenceColumns), "reference-file");
        if (problem.Exact(problem.Domain.Axes.Select(a => a.Center).ToArray()) is not null)
            return WithOrigin(FromExactSolution(problem, evaluationGrid), "exact");
        if (problem.ScatteredReference() is { } points) return WithOrigin(FromPoints(problem, points), "problem-reference");
        if (problem.ComputeReference() is not { } reference) return null;
        return problem is PinnServe.Physics.Files.FileProblem { ReferenceFile: { } file } // a `pinn reference` grid named in [reference]
            ? WithOrigin(FromReference(problem, reference, Path.GetFileName(file)), "problem-reference")
            : WithOrigin(FromReference(problem, reference, $"{reference.Problem} reference solver"), "solver");
    }

    private static EvaluationSet WithOrigin(EvaluationSet set, string origin) =>
        new(set.Fields, set.Points, set.Reference, set.Source) { Origin = origin };

    /// <summary>‖û − u‖₂ / ‖u‖₂ per field.</summary>
    public double[] RelativeL2(double[][] predicted)
    {
        var result = new double[Fields.Length];
        for (int f = 0; f < Fields.Length; f++)
        {
            double num = 0, den = 0;
            for (int i = 0; i < Count; i++)
            {
                double e = predicted[f][i] - Reference[f][i];
                num += e * e;
                den += Reference[f][i] * Reference[f][i];
            }
            result[f] = Math.Sqrt(num / den);
        }
        return result;
    }

    /// <summary>‖|û| − |u|‖₂ / ‖|u|‖₂ of the pointwise Euclidean magnitude of several fields (e.g. the velocity).</summary>
    public double MagnitudeRelativeL2(double[][] predicted, IReadOnlyList<string> components)
    {
        var index = components.Select(c => Array.IndexOf(Fields, c) is var i and >= 0 ? i
            : throw new ArgumentException($"Magnitude uses '{c}', which is not evaluated (fields: {string.Join(", ", Fields)}).")).ToArray();
        double num = 0, den = 0;
        for (int p = 0; p < Count; p++)
        {
            double exact = 0, approx = 0;
            foreach (int f in index) { exact += Reference[f][p] * Reference[f][p]; approx += predicted[f][p] * predicted[f][p]; }
            double e = Math.Sqrt(approx) - Math.Sqrt(exact);
            num += e * e;
            den += exact;
        }
        return Math.Sqrt(num / den);
    }

    public double[] MaxAbsError(double[][] predicted) =>
        Enumerable.Range(0, Fields.Length).Select(f => Enumerable.Range(0, Count).Max(i => Math.Abs(predicted[f][i] - Reference[f][i]))).ToArray();
}
