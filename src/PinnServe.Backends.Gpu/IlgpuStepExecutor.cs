using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using PinnServe.Engine.Backends;
using PinnServe.Engine.Compilation;

namespace PinnServe.Backends.Gpu;

/// <summary>
/// The Adam step with θ, Adam's m and v and the combined gradient resident in the arena. Per step the host sends
/// this step's points and data (as the download path does) and, when they changed, the λ (one float per weighted
/// term); it gets back one float per term (the losses) and, when the weights are due, four float64 per parameter
/// block and gradient (<see cref="Statistics"/>). θ, m and v cross only when asked: <see cref="PullParameters"/>
/// (metrics, checkpoints, the end), <see cref="PullOptimizer"/> (checkpoints), or after the host changed them.
/// Whole gradients come down only on request (<see cref="FetchTermResults"/>: causal weights, gradient histograms,
/// a scheme that is not <c>IStatisticsWeightEstimator</c>).
/// </summary>
internal sealed class IlgpuStepExecutor : IStepExecutor<float>
{
    private readonly IlgpuTermExecutor _terms;
    private readonly Accelerator _accelerator;
    private readonly Context _context;
    private readonly Nn.Adam<float> _adam;
    private readonly CompiledTerm<float>[] _residuals, _weighted;
    private readonly int _referenceResidual, _parameterCount, _referenceOffset;
    private readonly float[] _losses, _lambdas, _hostReference;
    private readonly double[] _statistics;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _statisticsBuffer;
    private bool _evaluated, _fetched, _thetaAhead, _momentsAhead;
    private bool _thetaStale = true, _momentsStale = true; // the host's copies are newer (at start: the initial θ, zero moments)
    private bool _lambdasUploaded;

    public IlgpuStepExecutor(IlgpuTermExecutor terms, StepTerms<float> step, Accelerator accelerator, Context context)
    {
        (_terms, _accelerator, _context, _adam) = (terms, accelerator, context, step.Optimizer);
        (_residuals, _weighted, _referenceResidual) = (step.Residuals.ToArray(), step.Weighted.ToArray(), step.ReferenceResidual);
        _parameterCount = terms.Parameters.Count;
        _losses = new float[terms.TermCount];
        _lambdas = new float[_weighted.Length];
        _hostReference = new float[_parameterCount];
        // The gradient the weights compare against: one residual's ∂L/∂θ, or Σ∇L_r (the combined gradient before the λ terms).
        _referenceOffset = _referenceResidual >= 0 ? terms.TermGradientOffset(_referenceResidual) : terms.CombinedOffset;
        _statistics = new double[4 * (1 + _weighted.Length) * terms.Blocks.Count];
        _statisticsBuffer = accelerator.Allocate1D<double>(Math.Max(1, _statistics.Length));
    }

    public int Threads => 1;
    public bool GradientsOnHost => false;
    public long ParameterTransfers => _terms.ParameterTransfers;

    public void Evaluate(Span<double> losses)
    {
        var arena = _terms.Program.Arena;
        if (_thetaStale)
        {
            arena.SubView(_terms.ThetaOffset, _parameterCount).CopyFromCPU(_terms.Parameters.Values);
            _terms.CountTransfers(1);
            _thetaStale = false;
        }
        if (_momentsStale)
        {
            var (_, m, v) = _adam.GetState();
            arena.SubView(_terms.MOffset, _parameterCount).CopyFromCPU(m);
            arena.SubView(_terms.VOffset, _parameterCount).CopyFromCPU(v);
            _terms.CountTransfers(2);
            _momentsStale = false;
        }
        _terms.RunTerms();
        // ∇L starts as Σ∇L_r: the reference gradient when the schemes compare against the sum.
        _terms.Program.K.SumVectors(_parameterCount, arena, _terms.Program.PlanView,
            new VectorSumArgs { List = _terms.TermGradientsList, Count = _residuals.Length, Dst = _terms.CombinedOffset });
        _terms.FetchLosses(_losses);
        for (int i = 0; i < _losses.Length; i++) losses[i] = _losses[i];
        (_evaluated, _fetched) = (true, false);
    }

    public void FetchTermResults()
    {
        if (!_evaluated || _fetched) return;
        _terms.FetchResults();
        _fetched = true;
    }

    public ReadOnlySpan<float> HostReferenceGradient()
    {
        FetchTermResults();
        if (_referenceResidual >= 0) return _residuals[_referenceResidual].Gradient;
        Array.Clear(_hostReference);
        foreach (var r in _residuals) TensorPrimitives.Add(_hostReference, r.Gradient, _hostReference);
        return _hostReference;
    }

    public void Statistics(Span<BlockStatistics> reference, BlockStatistics[][] weighted)
    {
        var blocks = _terms.Blocks;
        int vectors = 1 + _weighted.Length;
        _terms.Program.K.BlockStatistics(vectors * blocks.Count, _terms.Program.Arena, _terms.Program.PlanView, _statisticsBuffer.View,
            new StatisticsArgs { Reference = _referenceOffset, Vectors = _terms.TermGradientsList + _residuals.Length, Blocks = _terms.BlockList, BlockCount = blocks.Count });
        _statisticsBuffer.View.SubView(0, _statistics.Length).CopyToCPU(_statistics);
        for (int v = 0; v < vectors; v++)
        {
            var destination = v == 0 ? reference : weighted[v - 1];
            for (int b = 0; b < blocks.Count; b++)
            {
                int o = 4 * (v * blocks.Count + b);
                destination[b] = new BlockStatistics(_statistics[o], _statistics[o + 1], _statistics[o + 2], _statistics[o + 3], blocks[b].Length);
            }
        }
    }

    public void Update(IReadOnlyList<double> lambdas)
    {
        var program = _terms.Program;
        if (_weighted.Length > 0)
        {
            bool changed = !_lambdasUploaded;
            for (int i = 0; i < _lambdas.Length; i++)
            {
                float l = (float)lambdas[i];
                changed |= l.CompareTo(_lambdas[i]) != 0;
                _lambdas[i] = l;
            }
            if (changed) program.Arena.SubView(_terms.LambdaOffset, _lambdas.Length).CopyFromCPU(_lambdas);
            _lambdasUploaded = true;
            program.K.AddWeightedVectors(_parameterCount, program.Arena, program.PlanView, new VectorSumArgs
            {
                List = _terms.TermGradientsList + _residuals.Length, Count = _weighted.Length, Lambdas = _terms.LambdaOffset, Dst = _terms.CombinedOffset,
            });
        }
        var scalars = _adam.Advance();
        float b1 = (float)_adam.Beta1, b2 = (float)_adam.Beta2;
        program.K.AdamUpdate(_parameterCount, program.Arena, new AdamArgs
        {
            Theta = _terms.ThetaOffset, M = _terms.MOffset, V = _terms.VOffset, G = _terms.CombinedOffset,
            B1 = b1, B2 = b2, A1 = 1f - b1, A2 = 1f - b2,
            StepSize = (float)scalars.StepSize, InvSqrtC2 = (float)scalars.InvSqrtC2, Eps = (float)_adam.Epsilon,
        });
        (_thetaAhead, _momentsAhead) = (true, true);
    }

    public void PullParameters()
    {
        if (!_thetaAhead) return;
        _terms.Program.Arena.SubView(_terms.ThetaOffset, _parameterCount).CopyToCPU(_terms.Parameters.Values);
        _terms.CountTransfers(1);
        _thetaAhead = false;
    }

    public void PullOptimizer()
    {
        if (!_momentsAhead) return;
        float[] m = new float[_parameterCount], v = new float[_parameterCount];
        _terms.Program.Arena.SubView(_terms.MOffset, _parameterCount).CopyToCPU(m);
        _terms.Program.Arena.SubView(_terms.VOffset, _parameterCount).CopyToCPU(v);
        _terms.CountTransfers(2);
        _adam.SetState(_adam.Step, m, v);
        _momentsAhead = false;
    }

    public void HostParametersChanged()
    {
        PullParameters(); // never let a stale host copy overwrite newer device values
        _thetaStale = true;
    }

    public void HostOptimizerChanged()
    {
        _momentsAhead = false;
        _momentsStale = true;
    }

    public void Dispose()
    {
        _statisticsBuffer.Dispose();
        _terms.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
