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
    private T[][]? _planBuffers;
    // The CPU runs the plans chunk by chunk over the jets in place: D = V − U and ∂D of a chunk (every component) live
    // in one scratch array (stride 0), so D is never stored block-sized; the backward pass recomputes it.
    private readonly T[][] _chunkBuffers;
    private readonly int[] _chunkStrides, _chunkBases;
    private readonly T[] _scratch;
    private readonly int _chunk;
    private readonly ProductPlan<T> _forward = new(), _backward = new();

    /// <summary>Elements per chunk and component: 4 KB per array, so a chunk of every jet stays in L1/L2 across all the terms.</summary>
    internal static int ChunkLength => 4096 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public JetGateNode(JetNode<T> z, JetNode<T> u, JetNode<T> v)
        : base(z.Set, z.Points, z.Width, z.RequiresGrad || u.RequiresGrad || v.RequiresGrad)
    {
        if (!u.Set.Equals(z.Set) || !v.Set.Equals(z.Set) || u.Width != z.Width || v.Width != z.Width || u.Points != z.Points || v.Points != z.Points)
            throw new ArgumentException("Gate inputs must share derivative set, points and width.");
        (_z, _u, _v) = (z, u, v);
        _chunk = Math.Min(ChunkLength, BlockLength);
        // D's blocks at 0, ∂D's 512 bytes past the end of D's (so that their addresses never agree in the low 12 bits).
        int gradBase = Set.Count * _chunk + 512 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        _scratch = new T[gradBase + (RequiresGrad ? Set.Count * _chunk : 0)];
        _chunkBuffers = [z.Value, z.Grad, _scratch, _scratch, Value, Grad];
        _chunkStrides = [BlockLength, BlockLength, 0, 0, BlockLength, BlockLength];
        _chunkBases = [0, 0, 0, gradBase, 0, 0];
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
    /// <summary>
    /// The buffers the plans' slices index, for device backends that run the plans block by block: Z, ∂Z, D = V − U,
    /// ∂D, H, ∂H (D and ∂D block-sized, allocated on first use; the CPU path never fills them).
    /// </summary>
    public IReadOnlyList<T[]> PlanBuffers => _planBuffers ??= [_z.Value, _z.Grad, new T[Length], RequiresGrad ? new T[Length] : [], Value, Grad];
    public ProductPlan<T> ForwardPlan => _forward;
    public ProductPlan<T> BackwardPlan => _backward;

    // Chunk by chunk, each element goes through the operations of the block-wise version in the same order (D = V − U,
    // H = U, then every term; backward: ∂D = 0, every term, then ∂U += ∂H, ∂U −= ∂D, ∂V += ∂D), so the bits are the same
    // (FusedGateTests) with one pass over the jets' memory instead of one per term.
    public override void Forward()
    {
        for (int offset = 0; offset < BlockLength; offset += _chunk)
        {
            int count = Math.Min(_chunk, BlockLength - offset);
            for (int alpha = 0; alpha < Set.Count; alpha++)
            {
                var u = _u.Value.AsSpan(alpha * BlockLength + offset, count);
                TensorPrimitives.Subtract(_v.Value.AsSpan(alpha * BlockLength + offset, count), u, _scratch.AsSpan(alpha * count, count));
                u.CopyTo(Value.AsSpan(alpha * BlockLength + offset, count));
            }
            _forward.Execute(_chunkBuffers, _chunkStrides, _chunkBases, offset, count);
        }
    }

    public override void Backward(Span<T> parameterGradient)
    {
        int gradBase = _chunkBases[DD];
        for (int offset = 0; offset < BlockLength; offset += _chunk)
        {
            int count = Math.Min(_chunk, BlockLength - offset);
            for (int alpha = 0; alpha < Set.Count; alpha++)
                TensorPrimitives.Subtract(_v.Value.AsSpan(alpha * BlockLength + offset, count), _u.Value.AsSpan(alpha * BlockLength + offset, count), _scratch.AsSpan(alpha * count, count));
            var differenceGrad = _scratch.AsSpan(gradBase, Set.Count * count);
            differenceGrad.Clear();
            _backward.Execute(_chunkBuffers, _chunkStrides, _chunkBases, offset, count);
            // H = U + Z⊙D with D = V − U: ∂U = ∂H − ∂D, ∂V = ∂D.
            for (int alpha = 0; alpha < Set.Count; alpha++)
            {
                var dd = differenceGrad.Slice(alpha * count, count);
                if (_u.RequiresGrad)
                {
                    var du = _u.Grad.AsSpan(alpha * BlockLength + offset, count);
                    TensorPrimitives.Add(du, Grad.AsSpan(alpha * BlockLength + offset, count), du);
                    TensorPrimitives.Subtract(du, dd, du);
                }
                if (_v.RequiresGrad)
                {
                    var dv = _v.Grad.AsSpan(alpha * BlockLength + offset, count);
                    TensorPrimitives.Add(dv, dd, dv);
                }
            }
        }
    }

    public override long ForwardFlops => (_forward.FlopsPerElement + 2) * BlockLength;
    /// <summary>The plan, D = V − U again (not stored by the forward pass), ∂U += ∂H − ∂D and ∂V += ∂D.</summary>
    public override long BackwardFlops => (_backward.FlopsPerElement + 4) * BlockLength;
}
