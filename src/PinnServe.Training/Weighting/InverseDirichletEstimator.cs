namespace PinnServe.Training.Weighting;

/// <summary>Inverse-Dirichlet weighting (Maddu et al. 2022, Deguchi & Asai 2023 eq. 18): λ̂ᵢ = std(∇θ L_r) / std(∇θ Lᵢ).</summary>
public sealed class InverseDirichletEstimator(ParameterSelection selection) : IStatisticsWeightEstimator
{
    public string Name => "inverse-dirichlet";

    public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => EstimateFrom(new SpanGradient<T>(reference), new SpanGradient<T>(term), currentWeight);

    public double EstimateFrom<TGradient>(TGradient reference, TGradient term, double currentWeight) where TGradient : IGradientSummary, allows ref struct
    {
        var all = selection.All;
        return reference.Std(all) / term.Std(all);
    }
}
