namespace PinnServe.Training.Weighting;

/// <summary>
/// Dynamically normalized PINNs (Deguchi &amp; Asai 2023, Deguchi & Asai 2023 eq. 22 and appendix):
/// λ̂ᵢ = ‖∇θ L_r‖_p / ‖∇θ Lᵢ‖_p with p ∈ {1, 2, ∞}.
/// </summary>
public sealed class GradNormEstimator : IStatisticsWeightEstimator
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
        => EstimateFrom(new SpanGradient<T>(reference), new SpanGradient<T>(term), currentWeight);

    public double EstimateFrom<TGradient>(TGradient reference, TGradient term, double currentWeight) where TGradient : IGradientSummary, allows ref struct
    {
        var all = _selection.All;
        return reference.Norm(all, P) / term.Norm(all, P);
    }
}
