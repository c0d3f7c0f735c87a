using PinnServe.Autodiff.Taylor;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// y = σ(z) on a jet by the multivariate Faà di Bruno formula, e.g.
/// y_ij = σ''(z) z_i z_j + σ'(z) z_ij. The reverse pass differentiates each term by the product rule and
/// needs σ up to one order higher than the forward pass.
/// </summary>
public sealed class JetActivationNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    // Buffer ids of the plans: 0 = z, 1 = ∂z, 2 = y, 3 = ∂y, 4 + m = σ⁽ᵐ⁾(z).
    private const int Z = 0, DZ = 1, Y = 2, DY = 3, Sigma = 4;

    private readonly JetNode<T> _input;
    private readonly IActivation _activation;
    private readonly int _sigmaCount;
    // The CPU runs the plans chunk by chunk: σ⁽ᵐ⁾ of one chunk lives in small scratch arrays (stride 0) while the
    // jets are addressed in place (stride = block length), so each layer's jet makes one pass over memory.
    private readonly T[][] _chunkBuffers;
    private readonly int[] _chunkStrides;
    private readonly T[][] _sigmaScratch;
    private T[][]? _planBuffers;
    private readonly ProductPlan<T> _forward = new(), _backward = new();

    /// <summary>Elements per chunk: 4 KB per array, so z, y and σ of a chunk stay in L1/L2 across all the terms.</summary>
    internal static int ChunkLength => 4096 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public JetActivationNode(JetNode<T> input, IActivation activation)
        : base(input.Set, input.Points, input.Width, input.RequiresGrad)
    {
        _input = input;
        _activation = activation;
        _sigmaCount = Set.MaxOrder + (RequiresGrad ? 1 : 0) + 1;
        int chunk = Math.Min(ChunkLength, BlockLength);
        _chunkBuffers = [input.Value, input.Grad, Value, Grad, .. Enumerable.Range(0, _sigmaCount).Select(_ => new T[chunk])];
        _chunkStrides = [BlockLength, BlockLength, BlockLength, BlockLength, .. new int[_sigmaCount]];
        _sigmaScratch = _chunkBuffers[Sigma..];
        var rules = TaylorRules.For(Set);
        for (int alpha = 0; alpha < Set.Count; alpha++)
        {
            foreach (var term in rules.Composition[alpha])
            {
                var factors = term.Factors.Select(f => new ProductPlan<T>.Slice(Z, f)).ToArray();
                _forward.Add(new(Y, alpha), term.Coefficient, [new(Sigma + term.Order, 0), .. factors]);
                // ∂/∂z_0 through σ⁽ᵐ⁾(z_0), then ∂/∂z_f for each factor occurrence.
                _backward.Add(new(DZ, 0), term.Coefficient, [new(DY, alpha), new(Sigma + term.Order + 1, 0), .. factors]);
                for (int j = 0; j < factors.Length; j++)
                {
                    var others = factors.Where((_, i) => i != j);
                    _backward.Add(new(DZ, term.Factors[j]), term.Coefficient, [new(DY, alpha), new(Sigma + term.Order, 0), .. others]);
                }
            }
        }
    }

    public IActivation Activation => _activation;
    public override IReadOnlyList<Node<T>>? Inputs => [_input];
    public JetNode<T> Input => _input;
    /// <summary>
    /// The buffers the plans' slices index, for device backends that run the plans block by block: z, ∂z, y, ∂y,
    /// then block-sized σ⁽ᵐ⁾(z) for m = 0, 1, … (allocated on first use; the CPU path never fills them).
    /// </summary>
    public IReadOnlyList<T[]> PlanBuffers => _planBuffers ??= [_input.Value, _input.Grad, Value, Grad, .. Enumerable.Range(0, _sigmaCount).Select(_ => new T[BlockLength])];
    public ProductPlan<T> ForwardPlan => _forward;
    public ProductPlan<T> BackwardPlan => _backward;

    public override void Forward()
    {
        for (int offset = 0; offset < BlockLength; offset += ChunkLength)
        {
            int count = Math.Min(ChunkLength, BlockLength - offset);
            _activation.Evaluate<T>(_input.Value.AsSpan(offset, count), _sigmaScratch, Set.MaxOrder);
            for (int alpha = 0; alpha < Set.Count; alpha++) Value.AsSpan(alpha * BlockLength + offset, count).Clear();
            _forward.Execute(_chunkBuffers, _chunkStrides, offset, count);
        }
    }

    public override void Backward(Span<T> parameterGradient)
    {
        for (int offset = 0; offset < BlockLength; offset += ChunkLength)
        {
            int count = Math.Min(ChunkLength, BlockLength - offset);
            _activation.EvaluateGivenValue<T>(_input.Value.AsSpan(offset, count), Value.AsSpan(offset, count), _sigmaScratch, _sigmaCount - 1);
            _backward.Execute(_chunkBuffers, _chunkStrides, offset, count);
        }
    }

    public override long ForwardFlops => (_forward.FlopsPerElement + 8) * BlockLength;
    public override long BackwardFlops => (_backward.FlopsPerElement + 6) * BlockLength;
}
