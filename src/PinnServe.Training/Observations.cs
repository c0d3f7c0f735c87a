using System.Globalization;
using PinnServe.Contracts;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Reference.Files;
using PinnServe.Tensors;
using PinnServe.Training.Evaluation;

namespace PinnServe.Training;

/// <summary>
/// Observation data of an inverse problem (the inverse-problem article (2025)): values of named fields at points, turned into one loss
/// term "data" (role Data, weighted like any other term). The data come from a file or are drawn from the
/// evaluation reference (exact solution or solver grid) at random points, with seeded Gaussian noise of
/// `noise` × the field's standard deviation.
/// </summary>
public sealed class Observations
{
    public const string TermName = "data";

    public Observations(string[] fields, double[] points, double[][] values)
    {
        if (fields.Length == 0) throw new ArgumentException("Observations need at least one field.");
        if (values.Length != fields.Length) throw new ArgumentException($"{fields.Length} observed fields but {values.Length} value columns.");
        Fields = fields;
        Points = points;
        Values = values;
        if (Count == 0) throw new ArgumentException("Observations need at least one point.");
        foreach (var column in values)
            if (column.Length != Count) throw new ArgumentException($"Every observed field needs {Count} values, one per point; got {column.Length}.");
    }

    public string[] Fields { get; }
    /// <summary>Row-major points × axes.</summary>
    public double[] Points { get; }
    public double[][] Values { get; }
    public int Count => Values[0].Length;

    /// <summary>The observations a config asks for, or null when it asks for none.</summary>
    public static Observations? For(Problem problem, TrainingRecipe config, EvaluationSet? evaluation)
    {
        Observations? data = null;
        if (config.Data.ObservationColumns is not null && config.Data.ObservationFile is null)
            throw new ArgumentException("--observation-columns (data.observation_columns) names the columns of an --observation-file; give one.");
        if (config.Data.ObservationFile is { } file) data = FromFile(problem, file, config.Data.ObservationColumns);
        else if (config.Data.Observations > 0)
            data = Sample(evaluation ?? throw new ArgumentException(
                $"--observations needs a reference to draw from, and {problem.Name} has no exact solution, solver or --reference file."),
                config.Data.Observations, config.Seed);
        if (data is null) return null;
        if (config.Data.Observations > 0 && config.Data.Observations < data.Count) data = data.Subset(config.Data.Observations, config.Seed);
        return config.Data.Noise > 0 ? data.WithNoise(config.Data.Noise, config.Seed) : data;
    }

    /// <summary><paramref name="count"/> distinct points of the evaluation set, chosen with a seeded RNG.</summary>
    public static Observations Sample(EvaluationSet evaluation, int count, ulong seed) =>
        new Observations(evaluation.Fields, evaluation.Points, evaluation.Reference).Subset(count, seed);

    private Observations Subset(int count, ulong seed)
    {
        if (count > Count) throw new ArgumentException($"--observations {count} exceeds the {Count} points available.");
        int axes = Points.Length / Count;
        var order = Enumerable.Range(0, Count).ToArray();
        var rng = new Rng(seed ^ 0x0B5E_7A71_0000UL);
        for (int i = 0; i < count; i++) // partial Fisher–Yates: the first `count` entries are a uniform random subset
        {
            int j = i + (int)(rng.NextUInt64() % (ulong)(Count - i));
            (order[i], order[j]) = (order[j], order[i]);
        }
        var points = new double[count * axes];
        for (int i = 0; i < count; i++) Array.Copy(Points, order[i] * axes, points, i * axes, axes);
        return new Observations(Fields, points, Values.Select(v => Enumerable.Range(0, count).Select(i => v[order[i]]).ToArray()).ToArray());
    }

    /// <summary>Adds N(0, (level·std)²) to every value, std taken per field over the observations.</summary>
    public Observations WithNoise(double level, ulong seed)
    {
        if (!(level >= 0) || !double.IsFinite(level)) throw new ArgumentException($"--noise must be ≥ 0, got {level}.");
        var rng = new Rng(seed ^ 0x0015_E5EE_D000UL);
        var noisy = Values.Select(column =>
        {
            double mean = column.Average();
            double std = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / column.Length);
            return column.Select(v => v + level * std * rng.NextNormal()).ToArray();
        }).ToArray();
        return new Observations(Fields, Points, noisy);
    }

    /// <summary>
    /// A grid file written by `pinn reference` (.npz, or .npy/.csv with its .json sidecar), or any table
    /// <see cref="PointTables"/> reads (.csv, .npy, .npz, .mat, COMSOL .txt/.dat): columns are matched to the
    /// problem's inputs and fields as in problem files (<see cref="ColumnMatch"/>: exactly, else ignoring case);
    /// every column that is not an input is an observed field. <paramref name="columns"/> (--observation-columns) names
    /// the columns instead: all by position ("x,t,u") or name=column pairs.
    /// </summary>
    public static Observations FromFile(Problem problem, string path, string? columns = null)
    {
        string file = Path.GetFileName(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Observation file '{file}' does not exist.");
        try
        {
            if (columns is null && ReferencePoints.TryGrid(path) is { } grid)
            {
                var evaluation = EvaluationSet.FromReference(problem, grid, file);
                return new Observations(evaluation.Fields, evaluation.Points, evaluation.Reference);
            }
            return FromTable(problem, PointTables.Read(path), file, columns);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException || e is IOException and not FileNotFoundException)
        {
            throw new InvalidDataException(e.Message.Replace(path, file), e); // the file's name, never its path
        }
    }

    private static Observations FromTable(Problem problem, PointTable table, string file, string? columns)
    {
        var axes = problem.Domain.Names;
        var known = axes.Concat(problem.Outputs).Concat(problem.DerivedFields.Select(f => f.Name)).ToArray();
        var names = columns is null ? ColumnMatch.Auto(table.Columns, known, file) : ColumnMatch.FromSpec(columns, table.Columns, file, "--observation-columns");
        foreach (var axis in axes)
            if (!names.Contains(axis))
                throw new InvalidDataException($"'{file}' has no column '{axis}' (columns: {string.Join(", ", table.Columns)}); the observations need the inputs {string.Join(", ", axes)}.");
        var fields = names.Where(n => !axes.Contains(n)).ToArray();
        if (fields.Length == 0) throw new InvalidDataException($"'{file}' has no field columns besides the inputs {string.Join(", ", axes)}.");
        foreach (var field in fields)
        {
            try { FieldDefinition.Resolve(field, axes, problem.Outputs, problem.DerivedFields); }
            catch (ArgumentException)
            {
                throw new InvalidDataException($"'{file}': column '{table.Columns[Array.IndexOf(names, field)]}' names no field of {problem.Name} " +
                                               $"(outputs: {string.Join(", ", problem.Outputs)}; or a derivative such as {problem.Outputs[0]}_{axes[0]}).");
            }
        }
        double[] Column(string name) => table.Column(table.Columns[Array.IndexOf(names, name)]);
        var axisColumns = axes.Select(Column).ToArray();
        var values = fields.Select(Column).ToArray();
        var points = new double[table.Rows * axes.Length];
        for (int r = 0; r < table.Rows; r++)
        {
            for (int a = 0; a < axes.Length; a++) points[r * axes.Length + a] = axisColumns[a][r];
            for (int c = 0; c < names.Length; c++)
                if (!double.IsFinite(table.Column(table.Columns[c])[r]))
                    throw new InvalidDataException($"'{file}' row {r + 1}: '{table.Columns[c]}' is {table.Column(table.Columns[c])[r]}, not a finite number.");
        }
        return new Observations(fields, points, values.Select(v => v.ToArray()).ToArray());
    }

    /// <summary>The data loss term: field − observed at each point, one mean square per field.</summary>
    public LossTerm ToLossTerm(Problem problem)
    {
        var inputs = problem.Domain.Names;
        var errors = Fields.Select((name, f) =>
        {
            var definition = FieldDefinition.Resolve(name, inputs, problem.Outputs, problem.DerivedFields);
            Expr field = definition.Terms
                .Select(t => t.Coefficient * new Field(t.Output).D(string.Concat(t.Derivative)))
                .Aggregate((a, b) => a + b);
            return field - new Observed($"{name}_observed", Values[f]);
        }).ToArray();
        return LossTerm.Data(TermName, new DataPoints(Points, inputs.Length), errors);
    }
}
