using PinnServe.Autodiff;
using PinnServe.Engine.Compilation;
using PinnServe.Nn;

namespace PinnServe.Engine.Backends;

/// <summary>
/// What one Adam step runs: the residual terms (weight 1), the weighted terms (weight λᵢ), which gradient the
/// weighting schemes compare the terms against (<see cref="ReferenceResidual"/>: one residual's, or −1 for the sum of
/// all residuals'), and the optimizer whose step count, schedule and moments the step advances.
/// </summary>
public sealed record StepTerms<T>(IReadOnlyList<CompiledTerm<T>> Residuals, IReadOnlyList<CompiledTerm<T>> Weighted, int ReferenceResidual, Adam<T> Optimizer)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public IReadOnlyList<CompiledTerm<T>> All => [.. Residuals, .. Weighted];
    public ParameterStore<T> Parameters => Residuals[0].Shards[0].Parameters;
}

/// <summary>
/// The backend's whole training step: forward and backward of every term, the per-term reductions, the weighting
/// statistics, the λ-weighted combination ∇L = Σ∇L_r + Σλᵢ∇Lᵢ and the Adam update. Only scalars need to cross to
/// the host every step (the losses; every τ steps the per-block gradient statistics); the trainer keeps the λ rule,
/// which is scalar arithmetic. A device backend keeps θ and Adam's m and v resident and moves them only when asked
/// (<see cref="PullParameters"/>, <see cref="PullOptimizer"/>) or after the host changed them
/// (<see cref="HostParametersChanged"/>, <see cref="HostOptimizerChanged"/>).
/// A step is: <see cref="Evaluate"/>, then optionally <see cref="Statistics"/> or <see cref="HostReferenceGradient"/>
/// (both read Σ∇L_r, which <see cref="Update"/> turns into ∇L), then <see cref="Update"/>.
/// </summary>
public interface IStepExecutor<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Threads (or streams) actually used.</summary>
    int Threads { get; }

    /// <summary>Whether the terms' gradients are host arrays after every <see cref="Evaluate"/> (the CPU engine, the download path).</summary>
    bool GradientsOnHost { get; }

    /// <summary>θ-sized buffers copied between host and device so far (θ, m, v, a term's gradient); 0 on the CPU.</summary>
    long ParameterTransfers { get; }

    /// <summary>Forward and backward of every term at the current θ; each term's loss into <paramref name="losses"/> (residuals, then weighted).</summary>
    void Evaluate(Span<double> losses);

    /// <summary>Makes every term's <see cref="CompiledTerm{T}.Loss"/>, <see cref="CompiledTerm{T}.Gradient"/> and pointwise values current on the host (a download on a device).</summary>
    void FetchTermResults();

    /// <summary>The reference gradient of the last <see cref="Evaluate"/> on the host (fetches the terms' results first where needed).</summary>
    ReadOnlySpan<T> HostReferenceGradient();

    /// <summary>
    /// Per-block statistics (<see cref="BlockStatistics"/>, one per entry of the store's <see cref="ParameterStore{T}.Infos"/>)
    /// of the reference gradient and of each weighted term's gradient, from the last <see cref="Evaluate"/>.
    /// </summary>
    void Statistics(Span<BlockStatistics> reference, BlockStatistics[][] weighted);

    /// <summary>∇L = Σ∇L_r + Σ λᵢ∇Lᵢ, then one step of the optimizer on θ.</summary>
    void Update(IReadOnlyList<double> lambdas);

    /// <summary>Copies θ into the host store if the device holds a newer one.</summary>
    void PullParameters();

    /// <summary>Copies Adam's m and v into the host optimizer if the device holds newer ones.</summary>
    void PullOptimizer();

    /// <summary>The host store's θ was (or may have been) written: the next <see cref="Evaluate"/> starts from it.</summary>
    void HostParametersChanged();

    /// <summary>The host optimizer's state was replaced (a checkpoint): the next <see cref="Update"/> continues from it.</summary>
    void HostOptimizerChanged();
}

/// <summary>
/// Summary of one parameter block of a gradient, accumulated in float64 in element order: what every registered
/// weighting scheme reads (max|g|, mean|g|, std g, ‖g‖₁, ‖g‖₂) combines from these over the blocks it selects.
/// </summary>
public readonly record struct BlockStatistics(double MaxAbs, double SumAbs, double Sum, double SumSquares, int Count)
{
    public static BlockStatistics Of<T>(ReadOnlySpan<T> block) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double max = 0, sumAbs = 0, sum = 0, sumSquares = 0;
        bool nan = false;
        foreach (var v in block)
        {
            double d = double.CreateTruncating(v), a = Math.Abs(d);
            nan |= double.IsNaN(d);
            if (a > max) max = a;
            sumAbs += a;
            sum += d;
            sumSquares += d * d;
        }
        return new BlockStatistics(nan ? double.NaN : max, sumAbs, sum, sumSquares, block.Length);
    }

    /// <summary>One entry per block of <paramref name="blocks"/> (a store's Infos) of <paramref name="gradient"/>.</summary>
    public static void OfBlocks<T>(ReadOnlySpan<T> gradient, IReadOnlyList<ParameterInfo> blocks, Span<BlockStatistics> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int b = 0; b < blocks.Count; b++) destination[b] = Of(gradient.Slice(blocks[b].Offset, blocks[b].Length));
    }
}
