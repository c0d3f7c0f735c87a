using PinnServe.Contracts;

namespace PinnServe.Physics.Geometry;

/// <summary>
/// A shape over some of the domain's axes (e.g. x, y of a (t, x, y) problem) that constructive geometry adds to or
/// removes from the box. <see cref="Axes"/> are indices into the box's axes.
/// </summary>
public abstract record Shape(string Name, int[] Axes)
{
    /// <summary>Whether the point (all box coordinates) lies strictly inside.</summary>
    public abstract bool Contains(ReadOnlySpan<double> point);

    /// <summary>Length (2D) or area (3D) of the boundary: the weight of uniform boundary sampling.</summary>
    public abstract double BoundaryMeasure { get; }

    /// <summary>Overwrites the shape's coordinates of <paramref name="point"/> with a uniform point on its boundary.</summary>
    public abstract void SampleBoundary(Rng rng, Span<double> point);

    /// <summary>The outward unit normal at a boundary point, written into <paramref name="normal"/> (length = box dimension).</summary>
    public abstract void Normal(ReadOnlySpan<double> point, Span<double> normal);

    public abstract string Describe(Box box);
}

/// <summary>A disk (2 axes) or ball (3 axes).</summary>
public sealed record Ball(string Name, int[] Axes, double[] Center, double Radius) : Shape(Name, Axes)
{
    public override bool Contains(ReadOnlySpan<double> point)
    {
        double r2 = 0;
        for (int i = 0; i < Axes.Length; i++) { double d = point[Axes[i]] - Center[i]; r2 += d * d; }
        return r2 < Radius * Radius;
    }

    public override double BoundaryMeasure => Axes.Length == 2 ? 2 * Math.PI * Radius : 4 * Math.PI * Radius * Radius;

    public override void SampleBoundary(Rng rng, Span<double> point)
    {
        if (Axes.Length == 2)
        {
            double angle = rng.Uniform(0, 2 * Math.PI);
            point[Axes[0]] = Center[0] + Radius * Math.Cos(angle);
            point[Axes[1]] = Center[1] + Radius * Math.Sin(angle);
            return;
        }
        // Uniform on the sphere: a normalized Gaussian vector (Muller 1959).
        Span<double> g = stackalloc double[3];
        double norm;
        do
        {
            norm = 0;
            for (int i = 0; i < 3; i++) { g[i] = rng.NextNormal(); norm += g[i] * g[i]; }
        } while (norm < 1e-24);
        norm = Math.Sqrt(norm);
        for (int i = 0; i < 3; i++) point[Axes[i]] = Center[i] + Radius * g[i] / norm;
    }

    public override void Normal(ReadOnlySpan<double> point, Span<double> normal)
    {
        normal.Clear();
        for (int i = 0; i < Axes.Length; i++) normal[Axes[i]] = (point[Axes[i]] - Center[i]) / Radius;
    }

    public override string Describe(Box box) =>
        $"{(Axes.Length == 2 ? "disk" : "ball")} '{Name}' center ({string.Join(", ", Center)}) radius {Radius}";
}

/// <summary>An axis-aligned rectangle (2 axes) or cuboid (3 axes).</summary>
public sealed record Rectangle(string Name, int[] Axes, double[] Min, double[] Max) : Shape(Name, Axes)
{
    public override bool Contains(ReadOnlySpan<double> point)
    {
        for (int i = 0; i < Axes.Length; i++)
            if (!(point[Axes[i]] > Min[i] && point[Axes[i]] < Max[i])) return false;
        return true;
    }

    /// <summary>Measure of the face normal to axis i (both faces share it).</summary>
    private double FaceMeasure(int i)
    {
        double m = 1;
        for (int j = 0; j < Axes.Length; j++) if (j != i) m *= Max[j] - Min[j];
        return m;
    }

    public override double BoundaryMeasure => Enumerable.Range(0, Axes.Length).Sum(i => 2 * FaceMeasure(i));

    public override void SampleBoundary(Rng rng, Span<double> point)
    {
        double pick = rng.Uniform(0, BoundaryMeasure);
        int face = 0;
        for (; face < Axes.Length - 1; face++)
        {
            double m = 2 * FaceMeasure(face);
            if (pick < m) break;
            pick -= m;
        }
        bool upper = pick >= FaceMeasure(face);
        for (int j = 0; j < Axes.Length; j++)
            point[Axes[j]] = j == face ? (upper ? Max[j] : Min[j]) : rng.Uniform(Min[j], Max[j]);
    }

    public override void Normal(ReadOnlySpan<double> point, Span<double> normal)
    {
        normal.Clear();
        // The face the point is closest to.
        int best = 0; double distance = double.MaxValue, sign = 1;
        for (int j = 0; j < Axes.Length; j++)
        {
            double lo = Math.Abs(point[Axes[j]] - Min[j]), hi = Math.Abs(point[Axes[j]] - Max[j]);
            if (lo < distance) (best, distance, sign) = (j, lo, -1);
            if (hi < distance) (best, distance, sign) = (j, hi, 1);
        }
        normal[Axes[best]] = sign;
    }

    public override string Describe(Box box) =>
        $"{(Axes.Length == 2 ? "rectangle" : "cuboid")} '{Name}' [{string.Join(", ", Min)}]–[{string.Join(", ", Max)}]";
}
