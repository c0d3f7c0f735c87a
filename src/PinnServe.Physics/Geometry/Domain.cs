using PinnServe.Contracts;

namespace PinnServe.Physics.Geometry;

/// <summary>One step of constructive geometry: add the shape to, or remove it from, what came before.</summary>
public sealed record CsgStep(Shape Shape, bool Add);

/// <summary>
/// A domain built by constructive geometry inside a bounding box: start from the box (or from nothing), then add
/// or remove shapes in order; a point's membership is decided by the last step whose shape contains it. Axes
/// named in <see cref="TimeAxes"/> (t) are never part of "the boundary". Interior and boundary points are drawn
/// uniformly (by volume/area and by length/area) by rejection from the box and from every candidate boundary.
/// </summary>
public sealed class CsgDomain
{
    public CsgDomain(Box box, IReadOnlyList<CsgStep> steps, bool startFull = true, IReadOnlyList<string>? timeAxes = null)
    {
        Box = box;
        Steps = steps;
        StartFull = startFull;
        TimeAxes = (timeAxes ?? box.Names.Where(n => n == "t").ToList()).Select(box.IndexOf).ToArray();
        if (steps.Select(s => s.Shape.Name).Distinct().Count() != steps.Count) throw new ArgumentException("Shape names must be distinct.");
    }

    public Box Box { get; }
    public IReadOnlyList<CsgStep> Steps { get; }
    public bool StartFull { get; }
    public int[] TimeAxes { get; }

    public Shape Shape(string name) => Steps.FirstOrDefault(s => s.Shape.Name == name)?.Shape
        ?? throw new ArgumentException($"Unknown shape '{name}' (shapes: {string.Join(", ", Steps.Select(s => s.Shape.Name))}).");

    /// <summary>Whether a point of the box belongs to the domain (box bounds included).</summary>
    public bool Contains(ReadOnlySpan<double> point)
    {
        for (int a = 0; a < Box.Dimension; a++)
            if (point[a] < Box.Axes[a].Min || point[a] > Box.Axes[a].Max) return false;
        bool inside = StartFull;
        foreach (var step in Steps)
            if (step.Shape.Contains(point)) inside = step.Add;
        return inside;
    }

    /// <summary>Fraction of the box's volume inside (Monte Carlo estimate, for reports).</summary>
    public double Fill(int samples = 20_000)
    {
        var rng = new Rng(12345);
        var p = new double[Box.Dimension];
        int hits = 0;
        for (int i = 0; i < samples; i++)
        {
            for (int a = 0; a < p.Length; a++) p[a] = rng.Uniform(Box.Axes[a].Min, Box.Axes[a].Max);
            if (Contains(p)) hits++;
        }
        return (double)hits / samples;
    }

    internal const int MaxTries = 100_000;

    /// <summary>Uniform points of the domain's interior, by rejection from the box.</summary>
    public void SampleInterior(Rng rng, Span<double> points)
    {
        int d = Box.Dimension;
        for (int start = 0; start < points.Length; start += d)
        {
            var p = points.Slice(start, d);
            for (int tries = 0; ; tries++)
            {
                if (tries == MaxTries) throw new InvalidOperationException("The domain is empty (or nearly): no interior point in 100,000 draws.");
                for (int a = 0; a < d; a++) p[a] = rng.Uniform(Box.Axes[a].Min, Box.Axes[a].Max);
                if (Contains(p)) break;
            }
        }
    }

    /// <summary>Whether a point on a candidate boundary (with that candidate's outward normal) is on the domain's boundary: inside on one side, outside on the other.</summary>
    public bool OnBoundary(ReadOnlySpan<double> point, ReadOnlySpan<double> normal)
    {
        int d = Box.Dimension;
        Span<double> plus = stackalloc double[d], minus = stackalloc double[d];
        for (int a = 0; a < d; a++)
        {
            double eps = 1e-9 * (Box.Axes[a].Max - Box.Axes[a].Min);
            plus[a] = point[a] + eps * normal[a];
            minus[a] = point[a] - eps * normal[a];
        }
        return Contains(plus) != Contains(minus);
    }
}
