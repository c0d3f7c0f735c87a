using System.Text.Json;
using System.Text.Json.Serialization;
using PinnServe.Autodiff;

namespace PinnServe.Training.Diagnostics;

/// <summary>One loss term's histogram over one layer's weight matrix.</summary>
public sealed record TermHistogram(string Term, double Lambda, long[] Counts, double MeanAbs, double MaxAbs);

/// <summary>
/// The histograms of one layer at one step, on shared bins so terms can be overlaid: unweighted ∇_W Lᵢ and
/// weighted λᵢ∇_W Lᵢ (residuals have λ = 1). Bins span ±(largest 99.5th percentile of |g| over the terms);
/// values beyond it are counted in the outermost bins.
/// </summary>
public sealed record LayerHistograms(string Layer, double[] UnweightedEdges, TermHistogram[] Unweighted, double[] WeightedEdges, TermHistogram[] Weighted);

public sealed record HistogramSnapshot(int Step, LayerHistograms[] Layers);

/// <summary>The file gradient_histograms.json: every recorded step, appended as training goes.</summary>
public sealed class GradientHistogramFile
{
    public const string FileName = "gradient_histograms.json";

    public List<HistogramSnapshot> Snapshots { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static GradientHistogramFile Load(string path)
    {
        try { return JsonSerializer.Deserialize<GradientHistogramFile>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"'{path}' is empty."); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a gradient histogram file: {e.Message}"); }
    }
}

/// <summary>Builds per-layer histograms of the per-term gradients a training step has just computed.</summary>
public static class GradientHistograms
{
    /// <param name="gradients">∂Lᵢ/∂θ per term (residuals first), as the term tapes hold them after a step.</param>
    /// <param name="lambdas">λᵢ per term (1 for residuals).</param>
    public static HistogramSnapshot Record<T>(int step, IReadOnlyList<ParameterInfo> parameters, IReadOnlyList<string> terms,
        IReadOnlyList<T[]> gradients, IReadOnlyList<double> lambdas, int bins) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var layers = new List<LayerHistograms>();
        foreach (var info in parameters.Where(p => p.Kind is ParameterKind.Weight or ParameterKind.EncoderWeight))
        {
            var unweighted = terms.Select((_, i) => Slice(gradients[i], info, 1.0)).ToArray();
            var weighted = terms.Select((_, i) => Slice(gradients[i], info, lambdas[i])).ToArray();
            var (ue, uh) = Histogram(terms, lambdas, unweighted, bins);
            var (we, wh) = Histogram(terms, lambdas, weighted, bins);
            layers.Add(new LayerHistograms(info.Name, ue, uh, we, wh));
        }
        return new HistogramSnapshot(step, layers.ToArray());
    }

    private static double[] Slice<T>(T[] gradient, ParameterInfo info, double scale) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var values = new double[info.Length];
        for (int i = 0; i < values.Length; i++) values[i] = scale * double.CreateTruncating(gradient[info.Offset + i]);
        return values;
    }

    private static (double[] Edges, TermHistogram[] Histograms) Histogram(IReadOnlyList<string> terms, IReadOnlyList<double> lambdas, double[][] values, int bins)
    {
        double range = values.Max(v => Quantile(v, 0.995));
        if (!(range > 0) || !double.IsFinite(range)) range = 1e-30;
        var edges = Enumerable.Range(0, bins + 1).Select(k => -range + 2 * range * k / bins).ToArray();
        var histograms = new TermHistogram[values.Length];
        for (int t = 0; t < values.Length; t++)
        {
            var counts = new long[bins];
            foreach (double g in values[t])
            {
                int k = (int)Math.Floor((g + range) / (2 * range) * bins);
                counts[Math.Clamp(k, 0, bins - 1)]++;
            }
            double maxAbs = values[t].Length == 0 ? 0 : values[t].Max(Math.Abs);
            double meanAbs = values[t].Length == 0 ? 0 : values[t].Average(Math.Abs);
            histograms[t] = new TermHistogram(terms[t], lambdas[t], counts, meanAbs, maxAbs);
        }
        return (edges, histograms);
    }

    private static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) return 0;
        var abs = values.Select(Math.Abs).Order().ToArray();
        return abs[Math.Min(abs.Length - 1, (int)(q * abs.Length))];
    }
}
