using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Contracts;
using PinnServe.Physics;

namespace PinnServe.Engine.Compilation;

/// <summary>
/// How a piece gets its points each step: fresh uniform samples (Wang et al. 2021), a fixed set used whole (Deguchi & Asai 2023
/// full batch), or random mini-batches drawn from a fixed pool (Deguchi & Asai 2023's Allen–Cahn).
/// </summary>
public sealed record SamplingPlan(int Batch, int Pool)
{
    public static SamplingPlan Fresh(int batch) => new(batch, 0);
    public static SamplingPlan Fixed(int points) => new(points, points);
    public static SamplingPlan MiniBatch(int pool, int batch) => new(batch, pool);

    public bool IsFresh => Pool == 0;
    public bool IsFixed => Pool == Batch;

    public void Validate(string term)
    {
        if (Batch < 1) throw new ArgumentException($"Term '{term}': batch must be at least 1, got {Batch}.");
        if (Pool != 0 && Pool < Batch) throw new ArgumentException($"Term '{term}': pool of {Pool} points is smaller than the batch of {Batch}.");
    }
}

/// <summary>
/// Produces the current batch of points (row-major, batch × axes) for one piece. Fixed sets and pools are
/// drawn once by <see cref="Prime"/> from the run's initialization RNG, so a resumed run rebuilds them
/// exactly; per-step draws use the stepping RNG that checkpoints save.
/// </summary>
internal sealed class PointSource
{
    private readonly Region _region;
    private readonly Box _box;
    private readonly SamplingPlan _plan;
    private readonly double[] _pool;

    public PointSource(Region region, Box box, SamplingPlan plan)
    {
        (_region, _box, _plan) = (region, box, plan);
        Points = new double[plan.Batch * box.Dimension];
        _pool = plan.IsFresh || plan.IsFixed ? [] : new double[plan.Pool * box.Dimension];
    }

    public double[] Points { get; }
    public bool IsFixed => _plan.IsFixed;

    /// <summary>Draws fixed sets and pools; returns true when <see cref="Points"/> changed.</summary>
    public bool Prime(Rng rng)
    {
        if (_plan.IsFixed) { _region.Sample(_box, rng, Points); return true; }
        if (!_plan.IsFresh) _region.Sample(_box, rng, _pool);
        return false;
    }

    /// <summary>Draws the next batch; returns false when the points do not change (a fixed set).</summary>
    public bool Next(Rng rng)
    {
        if (_plan.IsFixed) return false;
        if (_plan.IsFresh) { _region.Sample(_box, rng, Points); return true; }
        int d = _box.Dimension;
        for (int i = 0; i < _plan.Batch; i++)
        {
            int j = (int)(rng.NextUInt64() % (ulong)_plan.Pool);
            Array.Copy(_pool, j * d, Points, i * d, d);
        }
        return true;
    }
}
