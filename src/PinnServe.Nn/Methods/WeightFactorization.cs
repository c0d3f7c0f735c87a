namespace PinnServe.Nn;

/// <summary>
/// Random weight factorization (Wang, Wang &amp; Perdikaris 2022, "Random weight factorization improves the training
/// of continuous neural representations"; jaxpi's <c>reparam = weight_fact</c>): every dense weight is trained as
/// W = V · diag(exp(s)), one scale per output neuron, with s drawn from N(<see cref="Mean"/>, <see cref="Std"/>²)
/// at initialization and V = W₀ / exp(s) so the network starts where the plain one would (jaxpi: μ = 1, σ = 0.1).
/// </summary>
public sealed record WeightFactorization(double Mean = 1, double Std = 0.1)
{
    /// <summary>Throws naming the setting (<c>network.rwf.mean</c>, <c>network.rwf.std</c>) when a value cannot be used.</summary>
    public WeightFactorization Validated()
    {
        if (!double.IsFinite(Mean)) throw new ArgumentException($"network.rwf.mean (--rwf-mean) must be a finite number, got {Mean}.");
        if (!(Std > 0) || !double.IsFinite(Std)) throw new ArgumentException($"network.rwf.std (--rwf-std) must be a positive number, got {Std}.");
        return this;
    }
}

/// <summary>
/// Random Fourier features (Tancik et al. 2020; Wang, Wang &amp; Perdikaris 2021, "On the eigenvector bias of Fourier
/// feature networks"): the network sees γ(x̂) = [cos(x̂B), sin(x̂B)] of its normalized inputs instead of x̂, with
/// B ∈ ℝ^{d×<see cref="Count"/>} drawn once from N(0, <see cref="Scale"/>²) and never trained.
/// </summary>
public sealed record FourierFeatures(int Count, double Scale = 1)
{
    /// <summary>Columns of B (jaxpi's embed_dim / 2); the first layer takes twice as many inputs.</summary>
    public const int MaxCount = 4096;

    /// <summary>Throws naming the setting (<c>network.fourier_features.count</c>, <c>network.fourier_features.scale</c>) when a value cannot be used.</summary>
    public FourierFeatures Validated()
    {
        if (Count < 1 || Count > MaxCount) throw new ArgumentException($"network.fourier_features.count (--fourier-features) must be 1..{MaxCount}, got {Count}.");
        if (!(Scale > 0) || !double.IsFinite(Scale)) throw new ArgumentException($"network.fourier_features.scale (--fourier-scale) must be a positive number, got {Scale}.");
        return this;
    }
}
