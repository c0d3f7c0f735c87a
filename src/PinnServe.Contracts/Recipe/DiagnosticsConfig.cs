namespace PinnServe.Training.Diagnostics;

/// <summary>
/// What to record during training besides the metrics (SPEC §2.4): per-layer gradient histograms of every
/// loss term, and the largest Hessian eigenvalue of L, L_r and each L_i. Stored in config.json, so a
/// resumed run keeps recording.
/// </summary>
public sealed record DiagnosticsConfig
{
    /// <summary>Steps at which to record gradient histograms (the gradients computed from θ at that step).</summary>
    public int[] HistogramSteps { get; init; } = [];
    /// <summary>Also record histograms every N steps (0: off).</summary>
    public int HistogramEvery { get; init; }
    public int HistogramBins { get; init; } = 60;
    /// <summary>Largest Hessian eigenvalues every N steps, at step 0 and at the end (0: off).</summary>
    public int HessianEvery { get; init; }
    /// <summary>Upper bound on Lanczos steps (Hessian-vector products) per eigenvalue.</summary>
    public int HessianIterations { get; init; } = 20;

    public bool Any => HistogramSteps.Length > 0 || HistogramEvery > 0 || HessianEvery > 0;

    /// <summary>
    /// The interval `--hessian` uses without a number: about ten evaluations per run, at most one per 1,000
    /// steps. One evaluation costs about as much as 75 training steps (~25 Lanczos products of float64
    /// gradients over the terms involved), so a 40,000-step run spends ~2% on it and a 4,000-step run ~10%.
    /// </summary>
    public static int DefaultHessianInterval(int iterations) => Math.Max(1000, iterations / 10);

    public bool RecordsHistogramAt(int step) =>
        Array.IndexOf(HistogramSteps, step) >= 0 || (HistogramEvery > 0 && step % HistogramEvery == 0);

    public void Validate()
    {
        foreach (int s in HistogramSteps)
            if (s < 0) throw new ArgumentException($"--histograms: steps must be ≥ 0, got {s}.");
        if (HistogramEvery < 0) throw new ArgumentException($"--histogram-every must be ≥ 0, got {HistogramEvery}.");
        if (HistogramBins is < 2 or > 1000) throw new ArgumentException($"Histogram bins must be 2..1000, got {HistogramBins}.");
        if (HessianEvery < 0) throw new ArgumentException($"--hessian-every must be ≥ 0, got {HessianEvery}.");
        if (HessianIterations is < 2 or > 200) throw new ArgumentException($"--hessian-iterations must be 2..200, got {HessianIterations}.");
    }
}
