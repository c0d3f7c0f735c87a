namespace PinnServe.Training.Weighting;

/// <summary>
/// The instantaneous weight λ̂ᵢ of one loss term from back-propagated gradients: the extension point of the
/// weighting schemes. Smoothing, update interval and bias correction are shared (<see cref="LossWeights"/>).
/// </summary>
public interface IWeightEstimator
{
    string Name { get; }

    /// <param name="reference">∇θ of the residual loss (the reference gradient).</param>
    /// <param name="term">∇θ of the term's unweighted loss.</param>
    /// <param name="currentWeight">The weight applied to the term so far (MA's denominator uses λ·∇Lᵢ).</param>
    double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}
