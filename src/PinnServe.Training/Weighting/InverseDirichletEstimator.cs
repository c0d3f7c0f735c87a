namespace PinnServe.Training.Weighting;

/// <summary>Inverse-Dirichlet weighting (Maddu et al. 2022, seed 002 eq. 18): λ̂ᵢ = std(∇θ L_r) / std(∇θ Lᵢ).</summary>
public sealed class InverseDirichletEstimator(ParameterSelection selection) : IWeightEstimator
{
    public string Name => "inverse-dirichlet";

    public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var all = selection.All;
        return GradientStatistics.Std(reference, all) / GradientStatistics.Std(term, all);
    }
}
