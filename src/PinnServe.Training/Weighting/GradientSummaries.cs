using PinnServe.Autodiff;
using PinnServe.Engine.Backends;

namespace PinnServe.Training.Weighting;

/// <summary>
/// The statistics of one gradient that the built-in weighting schemes read, over a selection of parameter blocks.
/// On the host they are computed from the whole vector (<see cref="SpanGradient{T}"/>); for a step that keeps the
/// gradients on a device, from the per-block sums the device returns (<see cref="BlockGradient"/>): scalars only.
/// </summary>
public interface IGradientSummary
{
    double MaxAbs(ParameterInfo[] blocks);
    double MeanAbs(ParameterInfo[] blocks);
    /// <summary>Sample standard deviation (n − 1 in the denominator).</summary>
    double Std(ParameterInfo[] blocks);
    /// <summary>‖g‖_p for p = 1, 2 or ∞.</summary>
    double Norm(ParameterInfo[] blocks, double p);
}

/// <summary>
/// A scheme whose λ̂ depends on the gradients only through <see cref="IGradientSummary"/>: it can run on a step that
/// keeps the gradients on a device. A scheme that needs the vectors themselves implements only
/// <see cref="IWeightEstimator"/>, and such a step downloads them when the weights are due.
/// </summary>
public interface IStatisticsWeightEstimator : IWeightEstimator
{
    double EstimateFrom<TGradient>(TGradient reference, TGradient term, double currentWeight) where TGradient : IGradientSummary, allows ref struct;
}

/// <summary>A host gradient vector: each statistic is <see cref="GradientStatistics"/> on it, the arithmetic the schemes have always used.</summary>
public readonly ref struct SpanGradient<T> : IGradientSummary where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly ReadOnlySpan<T> _gradient;
    public SpanGradient(ReadOnlySpan<T> gradient) => _gradient = gradient;
    public double MaxAbs(ParameterInfo[] blocks) => GradientStatistics.MaxAbs(_gradient, blocks);
    public double MeanAbs(ParameterInfo[] blocks) => GradientStatistics.MeanAbs(_gradient, blocks);
    public double Std(ParameterInfo[] blocks) => GradientStatistics.Std(_gradient, blocks);
    public double Norm(ParameterInfo[] blocks, double p) => GradientStatistics.Norm(_gradient, blocks, p);
}

/// <summary>
/// A gradient known by its per-block statistics (<see cref="BlockStatistics"/>, one per block of the store, in store
/// order). The same quantities as <see cref="SpanGradient{T}"/> up to float64 summation order (blocks summed separately).
/// </summary>
public sealed class BlockGradient : IGradientSummary
{
    private readonly Dictionary<int, int> _indexByOffset;
    private readonly BlockStatistics[] _statistics;

    public BlockGradient(IReadOnlyList<ParameterInfo> blocks, BlockStatistics[] statistics)
    {
        if (statistics.Length != blocks.Count) throw new ArgumentException($"Expected {blocks.Count} block statistics, got {statistics.Length}.");
        _statistics = statistics;
        _indexByOffset = new Dictionary<int, int>();
        for (int i = 0; i < blocks.Count; i++)
            if (blocks[i].Length > 0) _indexByOffset[blocks[i].Offset] = i;
    }

    /// <summary>The statistics this summary reads (filled by the step before each use).</summary>
    public BlockStatistics[] Statistics => _statistics;

    private BlockStatistics Of(ParameterInfo block) => _statistics[_indexByOffset[block.Offset]];

    public double MaxAbs(ParameterInfo[] blocks)
    {
        double max = 0;
        foreach (var b in blocks)
        {
            if (b.Length == 0) continue;
            double m = Of(b).MaxAbs;
            if (double.IsNaN(m)) return double.NaN;
            max = Math.Max(max, m);
        }
        return max;
    }

    public double MeanAbs(ParameterInfo[] blocks)
    {
        double sum = 0; long n = 0;
        foreach (var b in blocks)
        {
            if (b.Length > 0) sum += Of(b).SumAbs;
            n += b.Length;
        }
        return n == 0 ? 0 : sum / n;
    }

    public double Std(ParameterInfo[] blocks)
    {
        double sum = 0, sumSq = 0; long n = 0;
        foreach (var b in blocks)
        {
            if (b.Length == 0) continue;
            var s = Of(b);
            (sum, sumSq, n) = (sum + s.Sum, sumSq + s.SumSquares, n + s.Count);
        }
        if (n < 2) return 0;
        double mean = sum / n;
        return Math.Sqrt(Math.Max(0, (sumSq - n * mean * mean) / (n - 1)));
    }

    public double Norm(ParameterInfo[] blocks, double p)
    {
        if (double.IsPositiveInfinity(p)) return MaxAbs(blocks);
        double sum = 0;
        foreach (var b in blocks)
            if (b.Length > 0) sum += p == 1 ? Of(b).SumAbs : p == 2 ? Of(b).SumSquares : throw new NotSupportedException($"‖g‖_{p} cannot be formed from block sums (p must be 1, 2 or inf).");
        return p == 1 ? sum : Math.Sqrt(sum);
    }
}
