namespace PinnServe.Training.Weighting;

/// <summary>How the max/avg statistic is aggregated over layers.</summary>
public enum AnnealingAggregation
{
    /// <summary>Seed-000 code: max over layers of max|g_r|, divided by the mean over layers of per-layer mean|λ gᵢ|.</summary>
    Layerwise,
    /// <summary>Seed-002 code: max|g_r| / mean|λ gᵢ| over all selected parameters concatenated.</summary>
    Flat,
    /// <summary>Seed-000 cavity code: per-layer ratios max|g_r| / mean|λ gᵢ|, then the max over layers.</summary>
    LayerRatio,
}

/// <summary>
/// Learning-rate annealing (Wang, Teng &amp; Perdikaris 2021, Algorithm 2.1, eq. 2.30):
/// λ̂ᵢ = max|∇θ L_r| / mean|λᵢ ∇θ Lᵢ| — the denominator is the gradient of the weighted term.
/// </summary>
public sealed class AnnealingEstimator(ParameterSelection selection, AnnealingAggregation aggregation) : IStatisticsWeightEstimator
{
    public string Name => "annealing";
    public ParameterSelection Selection => selection;
    public AnnealingAggregation Aggregation => aggregation;

    public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => EstimateFrom(new SpanGradient<T>(reference), new SpanGradient<T>(term), currentWeight);

    public double EstimateFrom<TGradient>(TGradient reference, TGradient term, double currentWeight) where TGradient : IGradientSummary, allows ref struct
    {
        switch (aggregation)
        {
            case AnnealingAggregation.Flat:
            {
                var all = selection.All;
                return reference.MaxAbs(all) / (currentWeight * term.MeanAbs(all));
            }
            case AnnealingAggregation.Layerwise:
            {
                double max = 0, meanSum = 0;
                for (int l = 0; l < selection.Layers.Count; l++)
                {
                    max = Math.Max(max, reference.MaxAbs(selection.Layers[l]));
                    meanSum += currentWeight * term.MeanAbs(selection.Layers[l]);
                }
                return max / (meanSum / selection.Layers.Count);
            }
            default:
            {
                double best = 0;
                for (int l = 0; l < selection.Layers.Count; l++)
                    best = Math.Max(best, reference.MaxAbs(selection.Layers[l]) / (currentWeight * term.MeanAbs(selection.Layers[l])));
                return best;
            }
        }
    }
}
