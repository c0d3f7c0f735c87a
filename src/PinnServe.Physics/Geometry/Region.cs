using PinnServe.Contracts;

namespace PinnServe.Physics.Geometry;

/// <summary>Where a loss term's points live. Samples uniformly into a row-major points × axes buffer.</summary>
public abstract record Region
{
    public abstract void Sample(Box box, Rng rng, Span<double> points);
    public abstract string Describe(Box box);
}

/// <summary>The whole box.</summary>
public sealed record Interior : Region
{
    public override void Sample(Box box, Rng rng, Span<double> points)
    {
        int d = box.Dimension;
        for (int i = 0; i < points.Length; i++) { var a = box.Axes[i % d]; points[i] = rng.Uniform(a.Min, a.Max); }
    }

    public override string Describe(Box box) => "interior";
}

/// <summary>The face where one axis is fixed, e.g. t = 0 (initial) or x = 1 (boundary).</summary>
public sealed record Face(string Axis, double Value) : Region
{
    public override void Sample(Box box, Rng rng, Span<double> points)
    {
        int d = box.Dimension, fixedAxis = box.IndexOf(Axis);
        for (int i = 0; i < points.Length; i++)
        {
            int a = i % d;
            points[i] = a == fixedAxis ? Value : rng.Uniform(box.Axes[a].Min, box.Axes[a].Max);
        }
    }

    public override string Describe(Box box) => $"{Axis}={Value}";
}

/// <summary>Several faces as one point set, points split evenly between them (Deguchi & Asai 2023's single boundary term).</summary>
public sealed record FaceUnion(IReadOnlyList<Face> Faces) : Region
{
    public override void Sample(Box box, Rng rng, Span<double> points)
    {
        int d = box.Dimension, n = points.Length / d;
        for (int f = 0; f < Faces.Count; f++)
        {
            int start = f * n / Faces.Count, end = (f + 1) * n / Faces.Count;
            Faces[f].Sample(box, rng, points.Slice(start * d, (end - start) * d));
        }
    }

    public override string Describe(Box box) => string.Join(" ∪ ", Faces.Select(f => f.Describe(box)));
}

/// <summary>
/// A fixed, given set of points (observation sites), row-major points × axes; "sampling" copies them in order so
/// that values attached by index (<see cref="Expressions.Observed"/>) stay aligned with their points.
/// </summary>
public sealed record DataPoints(double[] Points, int Axes) : Region
{
    public int Count => Points.Length / Axes;

    public override void Sample(Box box, Rng rng, Span<double> points)
    {
        if (points.Length != Points.Length)
            throw new ArgumentException($"Observation points are used whole: {Count} points, asked for {points.Length / Math.Max(1, box.Dimension)}.");
        Points.CopyTo(points);
    }

    public override string Describe(Box box) => $"{Count} observation points";
}
