namespace PinnServe.Training.Weighting;

/// <summary>
/// The "ntk" scheme (Wang, Yu &amp; Perdikaris 2022, "When and why PINNs fail to train: a neural tangent kernel
/// perspective", Algorithm 1). Its λ̂ come from per-point gradients (<see cref="NtkTraces{T}"/>), not from the terms'
/// loss gradients, so the trainer asks <see cref="NtkTraces{T}"/> instead of <see cref="Estimate{T}"/>; this object
/// carries the parameter selection the traces run over and marks the scheme.
/// </summary>
public sealed class NtkEstimator(ParameterSelection selection) : IWeightEstimator
{
    public string Name => "ntk";
    public ParameterSelection Selection => selection;

    public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        throw new InvalidOperationException("NTK weights come from per-point gradients (NtkTraces), not from the terms' loss gradients.");
}
