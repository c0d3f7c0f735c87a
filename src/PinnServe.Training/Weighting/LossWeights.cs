namespace PinnServe.Training.Weighting;

/// <summary>
/// The weights λᵢ of the non-residual terms, keyed by term name, and their smoothing: every τ steps
/// λᵢ ← βλᵢ + (1−β)λ̂ᵢ. With bias correction (Deguchi & Asai 2023 §3.1) λᵢ starts at 0 and the applied weight is
/// λ̃ᵢ = λᵢ/(1 − βⁿ) after n updates. Without an estimator the weights stay fixed (plain PINN, M1/M3).
/// </summary>
public sealed class LossWeights
{
    private readonly double[] _raw;
    private readonly bool[] _fixed;

    public LossWeights(IReadOnlyList<string> terms, IWeightEstimator? estimator, int interval = 10, double beta = 0.9,
        bool biasCorrection = false, IReadOnlyDictionary<string, double>? initial = null, IReadOnlyCollection<string>? fixedTerms = null)
    {
        if (interval < 1) throw new ArgumentException($"Update interval τ must be ≥ 1, got {interval}.");
        if (!(beta >= 0 && beta < 1)) throw new ArgumentException($"Smoothing β must be in [0, 1), got {beta}.");
        foreach (var name in initial?.Keys ?? [])
            if (!terms.Contains(name)) throw new ArgumentException($"Weight given for unknown term '{name}' (terms: {string.Join(", ", terms)}).");
        Terms = terms;
        Estimator = estimator;
        Interval = interval;
        Beta = beta;
        BiasCorrection = biasCorrection && estimator is not null;
        _fixed = terms.Select(t => fixedTerms?.Contains(t) ?? false).ToArray();
        _raw = terms.Select((t, i) => BiasCorrection && !_fixed[i] ? 0 : initial?.GetValueOrDefault(t, 1.0) ?? 1.0).ToArray();
        Current = terms.Select(t => initial?.GetValueOrDefault(t, 1.0) ?? 1.0).ToArray();
        LastEstimate = terms.Select(_ => double.NaN).ToArray();
    }

    public IReadOnlyList<string> Terms { get; }
    public IWeightEstimator? Estimator { get; }
    public int Interval { get; }
    public double Beta { get; }
    public bool BiasCorrection { get; }
    /// <summary>Updates applied so far (n in βⁿ).</summary>
    public int Updates { get; private set; }
    /// <summary>The weights applied to the terms now.</summary>
    public double[] Current { get; }
    /// <summary>Latest instantaneous estimates λ̂ (NaN before the first update).</summary>
    public double[] LastEstimate { get; }

    public bool IsAdaptive => Estimator is not null;
    /// <summary>Whether term i keeps its initial weight under the adaptive scheme.</summary>
    public bool IsFixed(int term) => _fixed[term];
    public bool IsDue(int step) => IsAdaptive && step % Interval == 0;

    /// <summary>One smoothing update from the reference gradient and each term's unweighted gradient.</summary>
    public void Update<T>(ReadOnlySpan<T> reference, IReadOnlyList<T[]> termGradients) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Estimator is null) return;
        double correction = NextCorrection();
        for (int i = 0; i < Terms.Count; i++)
        {
            if (_fixed[i]) continue; // e.g. Allen–Cahn's periodic term: Deguchi & Asai 2023 adapts only the IC weight
            Smooth(i, Estimator.Estimate<T>(reference, termGradients[i], Current[i]), correction);
        }
    }

    /// <summary>Whether λ̂ can come from per-block gradient statistics alone (<see cref="IStatisticsWeightEstimator"/>): a device step then downloads only those.</summary>
    public bool UsesStatistics => Estimator is IStatisticsWeightEstimator;

    /// <summary>One smoothing update from the reference gradient's and each term's gradient's per-block statistics.</summary>
    public void Update(BlockGradient reference, IReadOnlyList<BlockGradient> terms)
    {
        if (Estimator is null) return;
        var estimator = Estimator as IStatisticsWeightEstimator
            ?? throw new InvalidOperationException($"Weighting '{Estimator.Name}' needs the gradients themselves, not their statistics.");
        double correction = NextCorrection();
        for (int i = 0; i < Terms.Count; i++)
            if (!_fixed[i]) Smooth(i, estimator.EstimateFrom(reference, terms[i], Current[i]), correction);
    }

    /// <summary>One smoothing update from estimates made elsewhere (the NTK traces), one per term.</summary>
    public void Update(IReadOnlyList<double> estimates)
    {
        if (Estimator is null) return;
        if (estimates.Count != Terms.Count) throw new ArgumentException($"Expected {Terms.Count} weight estimates, got {estimates.Count}.");
        double correction = NextCorrection();
        for (int i = 0; i < Terms.Count; i++)
            if (!_fixed[i]) Smooth(i, estimates[i], correction);
    }

    /// <summary>Counts one more update and returns the bias correction 1 − βⁿ that its weights are divided by (1 without it).</summary>
    private double NextCorrection()
    {
        Updates++;
        return BiasCorrection ? 1 - Math.Pow(Beta, Updates) : 1;
    }

    private void Smooth(int i, double estimate, double correction)
    {
        LastEstimate[i] = estimate;
        if (!double.IsFinite(estimate)) return; // a vanished gradient keeps the previous weight
        _raw[i] = Beta * _raw[i] + (1 - Beta) * estimate;
        Current[i] = _raw[i] / correction;
    }

    public (double[] Raw, double[] Current, int Updates) GetState() => ((double[])_raw.Clone(), (double[])Current.Clone(), Updates);

    public void SetState(double[] raw, double[] current, int updates)
    {
        if (raw.Length != _raw.Length || current.Length != Current.Length) throw new InvalidDataException("Weight state does not match the terms.");
        raw.CopyTo(_raw, 0);
        current.CopyTo(Current, 0);
        Updates = updates;
    }
}
