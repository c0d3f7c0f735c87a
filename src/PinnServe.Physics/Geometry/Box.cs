namespace PinnServe.Physics.Geometry;

/// <summary>One input coordinate and its range, e.g. t ∈ [0, 1].</summary>
public sealed record Axis(string Name, double Min, double Max)
{
    public double Center => 0.5 * (Min + Max);
    public double HalfWidth => 0.5 * (Max - Min);
}

/// <summary>An axis-aligned box domain; the order of axes is the order of the network's inputs.</summary>
public sealed class Box
{
    public Box(params Axis[] axes)
    {
        if (axes.Length == 0) throw new ArgumentException("A domain needs at least one axis.");
        foreach (var a in axes)
            if (!(a.Max > a.Min)) throw new ArgumentException($"Axis {a.Name}: max {a.Max} must exceed min {a.Min}.");
        if (axes.Select(a => a.Name).Distinct().Count() != axes.Length) throw new ArgumentException("Axis names must be distinct.");
        Axes = axes;
    }

    public IReadOnlyList<Axis> Axes { get; }
    public int Dimension => Axes.Count;
    public string[] Names => Axes.Select(a => a.Name).ToArray();

    public int IndexOf(string axis)
    {
        for (int i = 0; i < Axes.Count; i++) if (Axes[i].Name == axis) return i;
        throw new ArgumentException($"Unknown axis '{axis}' (axes: {string.Join(", ", Names)}).");
    }

    /// <summary>Per-axis mean and standard deviation of the uniform distribution on the box (Wang et al. 2021 normalization).</summary>
    public (double[] Shift, double[] Scale) Standardization() =>
        (Axes.Select(a => a.Center).ToArray(), Axes.Select(a => (a.Max - a.Min) / Math.Sqrt(12)).ToArray());

    /// <summary>Shift and scale that map the box onto [−1, 1] (Deguchi & Asai 2023 normalization).</summary>
    public (double[] Shift, double[] Scale) UnitCube() =>
        (Axes.Select(a => a.Center).ToArray(), Axes.Select(a => a.HalfWidth).ToArray());

    /// <summary>Shift 0 and scale 1: the network sees raw coordinates (DeepXDE and PINNacle do no input scaling).</summary>
    public (double[] Shift, double[] Scale) Identity() =>
        (new double[Axes.Count], Enumerable.Repeat(1.0, Axes.Count).ToArray());

    /// <summary>The names a normalization setting may take.</summary>
    public static readonly string[] Normalizations = ["standardize", "unit", "none"];

    /// <summary>The input shift and scale of a normalization named as in <see cref="Normalizations"/>.</summary>
    public (double[] Shift, double[] Scale) Normalization(string name) => name switch
    {
        "standardize" => Standardization(),
        "unit" => UnitCube(),
        "none" => Identity(),
        _ => throw new ArgumentException($"Unknown normalization '{name}' (use {string.Join(", ", Normalizations)})."),
    };
}
