using PinnServe.Contracts;

namespace PinnServe.Physics.Geometry;

/// <summary>The interior of a constructive-geometry domain, uniform by volume (area).</summary>
public sealed record CsgInterior(CsgDomain Domain) : Region
{
    public override void Sample(Box box, Rng rng, Span<double> points) => Domain.SampleInterior(rng, points);
    public override string Describe(Box box) => "interior";
}

/// <summary>A face of the bounding box restricted to the domain, e.g. t = 0 of a (t, x, y) problem with a hole.</summary>
public sealed record CsgFace(CsgDomain Domain, Face Face) : Region
{
    public override void Sample(Box box, Rng rng, Span<double> points)
    {
        int d = box.Dimension;
        for (int start = 0; start < points.Length; start += d)
        {
            var p = points.Slice(start, d);
            for (int tries = 0; ; tries++)
            {
                if (tries == CsgDomain.MaxTries) throw new InvalidOperationException($"No point of the domain on {Face.Describe(box)}.");
                Face.Sample(box, rng, p);
                if (Domain.Contains(p)) break;
            }
        }
    }

    public override string Describe(Box box) => Face.Describe(box);
}

/// <summary>A candidate piece of boundary: a face of the bounding box or a shape's surface.</summary>
public abstract record BoundaryPart
{
    public abstract string Name { get; }
    /// <summary>Spatial length/area (time axes excluded): parts of one term are sampled in proportion to it.</summary>
    public abstract double Measure(CsgDomain domain);
    /// <summary>A uniform point of the part (all coordinates), and the part's normal there.</summary>
    public abstract void Sample(CsgDomain domain, Rng rng, Span<double> point, Span<double> normal);
}

public sealed record FacePart(Face Face) : BoundaryPart
{
    public override string Name => $"{Face.Axis} = {Face.Value}";

    public override double Measure(CsgDomain domain)
    {
        var box = domain.Box;
        int fixedAxis = box.IndexOf(Face.Axis);
        double m = 1;
        for (int a = 0; a < box.Dimension; a++)
            if (a != fixedAxis && !domain.TimeAxes.Contains(a)) m *= box.Axes[a].Max - box.Axes[a].Min;
        return m;
    }

    public override void Sample(CsgDomain domain, Rng rng, Span<double> point, Span<double> normal)
    {
        Face.Sample(domain.Box, rng, point);
        normal.Clear();
        int axis = domain.Box.IndexOf(Face.Axis);
        normal[axis] = Face.Value >= domain.Box.Axes[axis].Center ? 1 : -1;
    }
}

public sealed record ShapePart(Shape Shape) : BoundaryPart
{
    public override string Name => Shape.Name;
    public override double Measure(CsgDomain domain) => Shape.BoundaryMeasure;

    public override void Sample(CsgDomain domain, Rng rng, Span<double> point, Span<double> normal)
    {
        var box = domain.Box;
        for (int a = 0; a < box.Dimension; a++) point[a] = rng.Uniform(box.Axes[a].Min, box.Axes[a].Max);
        Shape.SampleBoundary(rng, point);
        Shape.Normal(point, normal);
    }
}

/// <summary>
/// Points on the parts of a domain's boundary, uniform by length (area) over all the given parts together: a part
/// is picked in proportion to its measure, a point drawn on it, and kept if it lies on the domain's boundary (a
/// face inside a removed hole is not boundary).
/// </summary>
public sealed record CsgBoundary(CsgDomain Domain, IReadOnlyList<BoundaryPart> Parts) : Region
{
    private readonly double[] _cumulative = Cumulative(Domain, Parts);

    private static double[] Cumulative(CsgDomain domain, IReadOnlyList<BoundaryPart> parts)
    {
        var c = new double[parts.Count];
        double sum = 0;
        for (int i = 0; i < parts.Count; i++) c[i] = sum += parts[i].Measure(domain);
        return c;
    }

    public override void Sample(Box box, Rng rng, Span<double> points)
    {
        int d = box.Dimension;
        Span<double> normal = stackalloc double[d];
        for (int start = 0; start < points.Length; start += d)
        {
            var p = points.Slice(start, d);
            for (int tries = 0; ; tries++)
            {
                if (tries == CsgDomain.MaxTries) throw new InvalidOperationException($"No boundary point on {Describe(box)}: is it inside a removed shape?");
                double pick = rng.Uniform(0, _cumulative[^1]);
                int part = 0;
                while (part < Parts.Count - 1 && pick >= _cumulative[part]) part++;
                Parts[part].Sample(Domain, rng, p, normal);
                if (Domain.OnBoundary(p, normal)) break;
            }
        }
    }

    /// <summary>The domain's outward unit normal at a boundary point of this region (which side is inside decides the sign).</summary>
    public double[] OutwardNormal(double[] point)
    {
        int d = Domain.Box.Dimension;
        var normal = new double[d];
        double best = double.MaxValue;
        var candidate = new double[d];
        // The part the point lies on: the one whose surface is nearest (distance via a fresh normal at the point).
        foreach (var part in Parts)
        {
            double distance = Distance(part, point, candidate);
            if (distance < best) { best = distance; candidate.CopyTo(normal, 0); }
        }
        var probe = new double[d];
        double eps = 1e-7;
        for (int a = 0; a < d; a++) probe[a] = point[a] + eps * (Domain.Box.Axes[a].Max - Domain.Box.Axes[a].Min) * normal[a];
        if (Domain.Contains(probe)) for (int a = 0; a < d; a++) normal[a] = -normal[a];
        return normal;
    }

    private double Distance(BoundaryPart part, double[] point, double[] normal)
    {
        Array.Clear(normal);
        switch (part)
        {
            case FacePart f:
                int axis = Domain.Box.IndexOf(f.Face.Axis);
                normal[axis] = 1;
                return Math.Abs(point[axis] - f.Face.Value);
            case ShapePart { Shape: Ball b }:
                double r2 = 0;
                for (int i = 0; i < b.Axes.Length; i++) { double x = point[b.Axes[i]] - b.Center[i]; r2 += x * x; }
                b.Normal(point, normal);
                return Math.Abs(Math.Sqrt(r2) - b.Radius);
            case ShapePart { Shape: Rectangle r }:
                r.Normal(point, normal);
                double inside = double.MaxValue, outside = 0;
                for (int i = 0; i < r.Axes.Length; i++)
                {
                    double x = point[r.Axes[i]];
                    inside = Math.Min(inside, Math.Min(Math.Abs(x - r.Min[i]), Math.Abs(x - r.Max[i])));
                    outside = Math.Max(outside, Math.Max(r.Min[i] - x, x - r.Max[i]));
                }
                return Math.Max(outside, inside);
            default:
                return double.MaxValue;
        }
    }

    public override string Describe(Box box) => string.Join(" ∪ ", Parts.Select(p => p.Name));
}
