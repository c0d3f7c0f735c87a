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
    private readonly T[][] _sigma;
    private readonly T[][] _buffers;
    private readonly ProductPlan<T> _forward = new(), _backward = new();

    public JetActivationNode(JetNode<T> input, IActivation activation)
        : base(input.Set, input.Points, input.Width, input.RequiresGrad)
    {
        _input = input;
        _activation = activation;
        int maxOrder = Set.MaxOrder + (RequiresGrad ? 1 : 0);
        _sigma = Enumerable.Range(0, maxOrder + 1).Select(_ => new T[BlockLength]).ToArray();
        _buffers = [input.Value, input.Grad, Value, Grad, .. _sigma];
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
    /// <summary>The buffers the plans' slices index: z, ∂z, y, ∂y, then σ⁽ᵐ⁾(z) for m = 0, 1, ….</summary>
    public IReadOnlyList<T[]> PlanBuffers => _buffers;
    public ProductPlan<T> ForwardPlan => _forward;
    public ProductPlan<T> BackwardPlan => _backward;

    public override void Forward()
    {
        _activation.Evaluate<T>(_input.Component(0), _sigma, _sigma.Length - 1);
        Array.Clear(Value);
        _forward.Execute(_buffers, BlockLength);
    }

    public override void Backward(Span<T> parameterGradient) => _backward.Execute(_buffers, BlockLength);

    public override long ForwardFlops => (_forward.FlopsPerElement + 8) * BlockLength;
    public override long BackwardFlops => _backward.FlopsPerElement * BlockLength;
}
