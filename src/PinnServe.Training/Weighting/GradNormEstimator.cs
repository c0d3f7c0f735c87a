namespace PinnServe.Training.Weighting;

/// <summary>
/// Dynamically normalized PINNs (Deguchi &amp; Asai 2023, seed 002 eq. 22 and appendix):
/// λ̂ᵢ = ‖∇θ L_r‖_p / ‖∇θ Lᵢ‖_p with p ∈ {1, 2, ∞}.
/// </summary>
public sealed class GradNormEstimator : IWeightEstimator
{
    private readonly ParameterSelection _selection;

    public GradNormEstimator(ParameterSelection selection, double p)
    {
        if (p is not (1 or 2) && !double.IsPositiveInfinity(p))
            throw new ArgumentException($"Grad-norm p must be 1, 2 or inf, got {p}.");
        (_selection, P) = (selection, p);
    }

    public double P { get; }
    public string Name => "grad-norm";

    public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var all = _selection.All;
        return GradientStatistics.Norm(reference, all, P) / GradientStatistics.Norm(term, all, P);
    }
}
