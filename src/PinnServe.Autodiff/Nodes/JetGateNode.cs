using System.Numerics.Tensors;
using PinnServe.Autodiff.Taylor;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// The modified-MLP update H = (1 − Z) ⊙ U + Z ⊙ V = U + Z ⊙ (V − U) on jets, with the product expanded by
/// the Leibniz rule: H_α = U_α + Σ_{S⊆α} Z_S (V − U)_{α∖S}.
/// </summary>
public sealed unsafe class JetGateNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Z = 0, DZ = 1, D = 2, DD = 3, H = 4, DH = 5;

    private readonly JetNode<T> _z, _u, _v;
    private readonly T[] _difference, _differenceGrad;
    private readonly T[][] _buffers;
    private readonly ProductPlan<T> _forward = new(), _backward = new();

    public JetGateNode(JetNode<T> z, JetNode<T> u, JetNode<T> v)
        : base(z.Set, z.Points, z.Width, z.RequiresGrad || u.RequiresGrad || v.RequiresGrad)
    {
        if (!u.Set.Equals(z.Set) || !v.Set.Equals(z.Set) || u.Width != z.Width || v.Width != z.Width || u.Points != z.Points || v.Points != z.Points)
            throw new ArgumentException("Gate inputs must share derivative set, points and width.");
        (_z, _u, _v) = (z, u, v);
        _difference = new T[Length];
        _differenceGrad = RequiresGrad ? new T[Length] : [];
        _buffers = [z.Value, z.Grad, _difference, _differenceGrad, Value, Grad];
        var rules = TaylorRules.For(Set);
        for (int alpha = 0; alpha < Set.Count; alpha++)
        {
            foreach (var term in rules.Product[alpha])
            {
                _forward.Add(new(H, alpha), term.Coefficient, new(Z, term.Left), new(D, term.Right));
                _backward.Add(new(DZ, term.Left), term.Coefficient, new(DH, alpha), new(D, term.Right));
                _backward.Add(new(DD, term.Right), term.Coefficient, new(DH, alpha), new(Z, term.Left));
            }
        }
        _kernel = GateJetKernel<T>.For(Set.Count, _forward, _backward, (Z, DZ, D, DD, H, DH));
    }

    private readonly GateJetKernel<T>? _kernel;

    /// <summary>
    /// Whether the CPU runs the gate in one pass per vector of points (<see cref="GateJetKernel{T}"/>) rather than one
    /// pass per term; both give the same bits (tests compare them). On unless PINNSERVE_TERM_BY_TERM=1.
    /// </summary>
    internal bool InRegisters { get; set; } = Environment.GetEnvironmentVariable("PINNSERVE_TERM_BY_TERM") != "1";

    // The fused backward writes ∂Z, ∂U and ∂V element by element from one load of each: it needs them to be three
    // different arrays (as in the modified MLP), else one input's update would hide another's.
    private bool Fused => InRegisters && _kernel is not null && BlockLength > 0;
    private bool FusedBackward => Fused && _z.Grad.Length == Length && _z != _u && _z != _v && _u != _v;

    public override IReadOnlyList<Node<T>>? Inputs => [_z, _u, _v];
    public JetNode<T> Gate => _z;
    public JetNode<T> U => _u;
    public JetNode<T> V => _v;
    /// <summary>The buffers the plans' slices index: Z, ∂Z, D = V − U, ∂D, H, ∂H.</summary>
    public IReadOnlyList<T[]> PlanBuffers => _buffers;
    public ProductPlan<T> ForwardPlan => _forward;
    public ProductPlan<T> BackwardPlan => _backward;

    public override unsafe void Forward()
    {
        if (Fused)
        {
            fixed (T* z = _z.Value, u = _u.Value, v = _v.Value, d = _difference, h = Value)
                _kernel!.Forward(z, u, v, d, h, BlockLength);
            return;
        }
        TensorPrimitives.Subtract(_v.Value, _u.Value, _difference);
        _u.Value.CopyTo(Value, 0);
        _forward.Execute(_buffers, BlockLength);
    }

    public override unsafe void Backward(Span<T> parameterGradient)
    {
        if (FusedBackward)
        {
            // ∂D stays in registers; ∂U and ∂V are updated only where their nodes take gradients (null pointers otherwise).
            fixed (T* z = _z.Value, d = _difference, dh = Grad, dz = _z.Grad, du = _u.RequiresGrad ? _u.Grad : null, dv = _v.RequiresGrad ? _v.Grad : null)
                _kernel!.Backward(z, d, dh, dz, du, dv, BlockLength);
            return;
        }
        Array.Clear(_differenceGrad);
        _backward.Execute(_buffers, BlockLength);
        // H = U + Z⊙D with D = V − U: ∂U = ∂H − ∂D, ∂V = ∂D.
        if (_u.RequiresGrad)
        {
            TensorPrimitives.Add(_u.Grad, Grad, _u.Grad);
            TensorPrimitives.Subtract(_u.Grad, _differenceGrad, _u.Grad);
        }
        if (_v.RequiresGrad) TensorPrimitives.Add(_v.Grad, _differenceGrad, _v.Grad);
    }

    public override long ForwardFlops => (_forward.FlopsPerElement + 2) * BlockLength;
    public override long BackwardFlops => (_backward.FlopsPerElement + 3) * BlockLength;
}
