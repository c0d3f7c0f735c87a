using System.Numerics.Tensors;
using PinnServe.Engine.Compilation;

namespace PinnServe.Engine.Backends;

/// <summary>
/// The step with the combination and the optimizer on the host: any <see cref="ITermExecutor{T}"/> runs the terms and
/// leaves their losses and gradients in host arrays, then ∇L and Adam's update are computed here, exactly as the
/// trainer did before the step moved behind <see cref="IStepExecutor{T}"/> (the fingerprints hold bit for bit). The
/// CPU backend's step; and on a device, the download path (θ up, every term's gradient down, every step).
/// </summary>
public sealed class HostStepExecutor<T> : IStepExecutor<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly ITermExecutor<T> _executor;
    private readonly CompiledTerm<T>[] _residuals, _weighted;
    private readonly int _referenceResidual;
    private readonly Nn.Adam<T> _adam;
    private readonly T[] _theta, _gradient;

    public HostStepExecutor(ITermExecutor<T> executor, StepTerms<T> step)
    {
        (_executor, _residuals, _weighted, _referenceResidual, _adam) = (executor, step.Residuals.ToArray(), step.Weighted.ToArray(), step.ReferenceResidual, step.Optimizer);
        _theta = step.Parameters.Values;
        _gradient = new T[_theta.Length];
    }

    public int Threads => _executor.Threads;
    public bool GradientsOnHost => true;
    /// <summary>The term executor's own transfers (a device's θ upload and gradient download per step), else 0.</summary>
    public long ParameterTransfers => _executor is ICountsTransfers c ? c.ParameterTransfers : 0;

    public void Evaluate(Span<double> losses)
    {
        _executor.Run();
        // Losses in term order and ∇ = Σ∇L_r: the reference when the schemes compare against the sum.
        Array.Clear(_gradient);
        for (int i = 0; i < _residuals.Length; i++)
        {
            losses[i] = double.CreateTruncating(_residuals[i].Loss);
            TensorPrimitives.Add(_gradient, _residuals[i].Gradient, _gradient);
        }
        for (int i = 0; i < _weighted.Length; i++) losses[_residuals.Length + i] = double.CreateTruncating(_weighted[i].Loss);
    }

    public void FetchTermResults() { }

    public ReadOnlySpan<T> HostReferenceGradient() => _referenceResidual >= 0 ? _residuals[_referenceResidual].Gradient : _gradient;

    public void Statistics(Span<BlockStatistics> reference, BlockStatistics[][] weighted)
    {
        var blocks = _residuals[0].Shards[0].Parameters.Infos;
        BlockStatistics.OfBlocks(HostReferenceGradient(), blocks, reference);
        for (int i = 0; i < _weighted.Length; i++) BlockStatistics.OfBlocks<T>(_weighted[i].Gradient, blocks, weighted[i]);
    }

    public void Update(IReadOnlyList<double> lambdas)
    {
        for (int i = 0; i < _weighted.Length; i++)
            TensorPrimitives.MultiplyAdd(_weighted[i].Gradient, T.CreateTruncating(lambdas[i]), _gradient, _gradient);
        _adam.Update(_theta, _gradient);
    }

    // θ and the moments live on the host: nothing to move.
    public void PullParameters() { }
    public void PullOptimizer() { }
    public void HostParametersChanged() { }
    public void HostOptimizerChanged() { }

    public void Dispose() => _executor.Dispose();
}

/// <summary>A term executor that moves θ-sized buffers between host and device and counts them (tests assert steady-state residency with it).</summary>
public interface ICountsTransfers
{
    long ParameterTransfers { get; }
}
