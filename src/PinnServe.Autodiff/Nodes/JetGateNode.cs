using System.Numerics.Tensors;
using PinnServe.Autodiff.Taylor;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// The modified-MLP update H = (1 − Z) ⊙ U + Z ⊙ V = U + Z ⊙ (V − U) on jets, with the product expanded by
/// the Leibniz rule: H_α = U_α + Σ_{S⊆α} Z_S (V − U)_{α∖S}.
/// </summary>
public sealed class JetGateNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
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
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_z, _u, _v];
    public JetNode<T> Gate => _z;
    public JetNode<T> U => _u;
    public JetNode<T> V => _v;
    /// <summary>The buffers the plans' slices index: Z, ∂Z, D = V − U, ∂D, H, ∂H.</summary>
    public IReadOnlyList<T[]> PlanBuffers => _buffers;
    public ProductPlan<T> ForwardPlan => _forward;
    public ProductPlan<T> BackwardPlan => _backward;

    public override void Forward()
    {
        TensorPrimitives.Subtract(_v.Value, _u.Value, _difference);
        _u.Value.CopyTo(Value, 0);
        _forward.Execute(_buffers, BlockLength);
    }

    public override void Backward(Span<T> parameterGradient)
    {
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
