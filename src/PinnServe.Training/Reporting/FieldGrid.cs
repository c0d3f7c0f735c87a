using PinnServe.Physics;
using PinnServe.Reference.Files;

namespace PinnServe.Training.Reporting;

/// <summary>
/// A trained network's fields next to the exact (or reference) ones on a uniform grid over one or two axes:
/// the heatmaps of the report and the VTK image. Values are stored with the first plotted axis fastest.
/// Domains with more than two axes are cut at the last time (an axis named t) or at the centre of the others.
/// </summary>
public sealed class FieldGrid
{
    /// <summary>The one or two plotted axes: name and coordinates.</summary>
    public required (string Name, double[] Coordinates)[] Axes { get; init; }
    /// <summary>How the other axes are fixed, e.g. "t = 1"; empty when every axis is plotted.</summary>
    public required string Slice { get; init; }
    public required string[] Fields { get; init; }
    public required double[][] Predicted { get; init; }
    /// <summary>Exact or reference values per field; null where neither exists.</summary>
    public required double[]?[] Exact { get; init; }
    /// <summary>Where <see cref="Exact"/> comes from (exact solution, reference solver, reference file).</summary>
    public required string ExactSource { get; init; }

    public int Width => Axes[0].Coordinates.Length;
    public int Height => Axes.Length > 1 ? Axes[1].Coordinates.Length : 1;

    /// <summary>Evaluates every evaluated field of the trainer's problem at its current parameters.</summary>
    public static FieldGrid Evaluate(ITrainer trainer, int pointsPerAxis)
    {
        if (pointsPerAxis < 2) throw new ArgumentException($"The field grid needs at least 2 points per axis, got {pointsPerAxis}.");
        var problem = trainer.Problem;
        var box = problem.Domain;
        int d = box.Dimension;
        int[] plotted = d == 1 ? [0] : d == 2 ? [0, 1] : [d - 2, d - 1];
        var fixedAt = box.Axes.Select(a => a.Name == "t" ? a.Max : a.Center).ToArray();
        var axes = plotted.Select(a => (box.Axes[a].Name, Linspace(box.Axes[a].Min, box.Axes[a].Max, pointsPerAxis))).ToArray();
        int width = pointsPerAxis, height = plotted.Length > 1 ? pointsPerAxis : 1;

        var points = new double[width * height * d];
        for (int j = 0; j < height; j++)
            for (int i = 0; i < width; i++)
            {
                var p = points.AsSpan((j * width + i) * d, d);
                fixedAt.CopyTo(p);
                p[plotted[0]] = axes[0].Item2[i];
                if (plotted.Length > 1) p[plotted[1]] = axes[1].Item2[j];
            }

        var fields = trainer.EvaluatedFields;
        var predicted = trainer.EvaluateFields(fields, points);
        var (exact, source) = ExactValues(trainer, fields, points);
        string slice = string.Join(", ", Enumerable.Range(0, d).Where(a => !plotted.Contains(a)).Select(a => $"{box.Axes[a].Name} = {fixedAt[a]:G4}"));
        return new FieldGrid { Axes = axes, Slice = slice, Fields = fields, Predicted = predicted, Exact = exact, ExactSource = source };
    }

    private static (double[]?[] Values, string Source) ExactValues(ITrainer trainer, string[] fields, double[] points)
    {
        var problem = trainer.Problem;
        int d = problem.Domain.Dimension, count = points.Length / d;
        if (problem.Exact(points[..d]) is not null && fields.All(f => Array.IndexOf(problem.Outputs, f) >= 0))
        {
            var values = fields.Select(_ => new double[count]).ToArray();
            for (int p = 0; p < count; p++)
            {
                var exact = problem.Exact(points[(p * d)..((p + 1) * d)])!;
                for (int f = 0; f < fields.Length; f++) values[f][p] = exact[Array.IndexOf(problem.Outputs, fields[f])];
            }
            return (values, "exact solution");
        }
        var (reference, source) = trainer.Config.Data.ReferenceFile is { } file
            ? (ReferencePoints.TryGrid(file), $"reference file {Path.GetFileName(file)}")
            : problem.ScatteredReference() is null ? (problem.ComputeReference(), "reference solver") : (null, "");
        if (reference is null)
        {
            // Scattered points (a benchmark's data file) have no values on this grid: the heatmaps show the prediction
            // alone and say why; the relative L² at the file's points is in the summary.
            var scattered = trainer.Config.Data.ReferenceFile is { } given ? Path.GetFileName(given) : problem.ScatteredReference()?.Source;
            return (fields.Select(_ => (double[]?)null).ToArray(),
                scattered is null ? "none" : $"none on this grid: the reference {scattered} is scattered points (its relative L² is in the summary)");
        }
        // A grid's axes may be ordered otherwise than the inputs (a solver's (t, x)): interpolate at permuted points.
        var axisNames = reference.Axes.Select(a => a.Name).ToArray();
        var names = problem.Domain.Names;
        var permuted = new double[points.Length];
        for (int p = 0; p < count; p++)
            for (int a = 0; a < d; a++) permuted[p * d + a] = points[p * d + Array.IndexOf(names, axisNames[a])];
        return (fields.Select(f =>
        {
            if (!reference.FieldNames.Contains(f)) return null;
            var values = new double[count];
            reference.Interpolate(f, permuted, values);
            return values;
        }).ToArray(), source);
    }

    private static double[] Linspace(double min, double max, int n) =>
        Enumerable.Range(0, n).Select(k => min + (max - min) * k / (n - 1)).ToArray();
}
