using System.Numerics.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>Per-point data that is not differentiated: coordinates, source terms, targets. Refilled by samplers.</summary>
public sealed class DataNode<T>(int length) : Node<T>(length, requiresGrad: false) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override void Forward() { }
    public override IReadOnlyList<Node<T>>? Inputs => [];
    public override long ForwardFlops => 0;
}

/// <summary>out = α·a + β·b (sum and difference of residual pieces).</summary>
public sealed class LinearCombinationNode<T>(Node<T> a, T alpha, Node<T> b, T beta)
    : Node<T>(a.Length, a.RequiresGrad || b.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override IReadOnlyList<Node<T>>? Inputs => [a, b];
    public Node<T> A => a;
    public T Alpha => alpha;
    public Node<T> B => b;
    public T Beta => beta;

    public override void Forward()
    {
        TensorPrimitives.Multiply(a.Value, alpha, Value);
        TensorPrimitives.MultiplyAdd(b.Value, beta, Value, Value);
    }

    public override void Backward(Span<T> parameterGradient)
    {
        if (a.RequiresGrad) TensorPrimitives.MultiplyAdd(Grad, alpha, a.Grad, a.Grad);
        if (b.RequiresGrad) TensorPrimitives.MultiplyAdd(Grad, beta, b.Grad, b.Grad);
    }

    public override long ForwardFlops => 3L * Length;
}

/// <summary>out = scale·a + shift.</summary>
public sealed class AffineNode<T>(Node<T> a, T scale, T shift)
    : Node<T>(a.Length, a.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override IReadOnlyList<Node<T>>? Inputs => [a];
    public Node<T> A => a;
    public T Scale => scale;
    public T Shift => shift;

    public override void Forward()
    {
        TensorPrimitives.Multiply(a.Value, scale, Value);
        TensorPrimitives.Add(Value, shift, Value);
    }

    public override void Backward(Span<T> parameterGradient) => TensorPrimitives.MultiplyAdd(Grad, scale, a.Grad, a.Grad);
    public override long ForwardFlops => 2L * Length;
}

/// <summary>out = a ⊙ b.</summary>
public sealed class MultiplyNode<T>(Node<T> a, Node<T> b)
    : Node<T>(a.Length, a.RequiresGrad || b.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override IReadOnlyList<Node<T>>? Inputs => [a, b];
    public Node<T> A => a;
    public Node<T> B => b;

    public override void Forward() => TensorPrimitives.Multiply(a.Value, b.Value, Value);

    public override void Backward(Span<T> parameterGradient)
    {
        if (a.RequiresGrad) TensorPrimitives.MultiplyAdd(Grad, b.Value, a.Grad, a.Grad);
        if (b.RequiresGrad) TensorPrimitives.MultiplyAdd(Grad, a.Value, b.Grad, b.Grad);
    }
}

/// <summary>out = aᵖ for a small integer power p ≥ 1.</summary>
public sealed class PowerNode<T> : Node<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Node<T> _a;
    private readonly int _power;
    private readonly T[] _lower; // a^(p−1), kept for the backward pass

    public PowerNode(Node<T> a, int power) : base(a.Length, a.RequiresGrad)
    {
        if (power < 1) throw new ArgumentOutOfRangeException(nameof(power), power, "Power must be ≥ 1.");
        (_a, _power) = (a, power);
        _lower = new T[a.Length];
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_a];
    public Node<T> A => _a;
    public int Power => _power;

    public override void Forward()
    {
        _lower.AsSpan().Fill(T.One);
        for (int i = 1; i < _power; i++) TensorPrimitives.Multiply(_lower, _a.Value, _lower);
        TensorPrimitives.Multiply(_lower, _a.Value, Value);
    }

    public override void Backward(Span<T> parameterGradient)
    {
        // ∂a += p · a^(p−1) · ∂out
        var p = T.CreateTruncating(_power);
        for (int i = 0; i < Grad.Length; i++) _a.Grad[i] += p * _lower[i] * Grad[i];
    }

    public override long ForwardFlops => (long)_power * Length;
}

/// <summary>out = θ_c · a for a trainable scalar coefficient θ_c (inverse problems: an unknown viscosity).</summary>
public sealed class CoefficientScaleNode<T>(Node<T> a, ParameterStore<T> store, ParameterInfo coefficient)
    : Node<T>(a.Length, requiresGrad: true) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override IReadOnlyList<Node<T>>? Inputs => [a];
    public Node<T> A => a;
    public ParameterInfo Coefficient => coefficient;

    public override void Forward() => TensorPrimitives.Multiply(a.Value, store.Values[coefficient.Offset], Value);

    public override void Backward(Span<T> parameterGradient)
    {
        parameterGradient[coefficient.Offset] += TensorPrimitives.Dot<T>(Grad, a.Value);
        if (a.RequiresGrad) TensorPrimitives.MultiplyAdd(Grad, store.Values[coefficient.Offset], a.Grad, a.Grad);
    }
}

/// <summary>
/// The mean of squares, Σ a² / count: a loss term over its points. <paramref name="count"/> defaults to a's
/// length; a slice of a larger point set passes the whole set's size, so the slices' values add up to the mean.
/// </summary>
public sealed class MeanSquareNode<T>(Node<T> a, int count = 0) : Node<T>(1, a.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly int _count = count > 0 ? count : a.Length;

    public override IReadOnlyList<Node<T>>? Inputs => [a];
    public Node<T> A => a;
    /// <summary>The divisor: the whole point set's size (a slice's length or more).</summary>
    public int Count => _count;

    public override void Forward() => Value[0] = TensorPrimitives.SumOfSquares<T>(a.Value) / T.CreateTruncating(_count);

    public override void Backward(Span<T> parameterGradient)
    {
        T scale = T.CreateTruncating(2.0 / _count) * Grad[0];
        TensorPrimitives.MultiplyAdd(a.Value, scale, a.Grad, a.Grad);
    }

    public override long ForwardFlops => 2L * a.Length;
}

/// <summary>Sum of scalar nodes (a loss made of several mean squares, e.g. u and u_t at t = 0).</summary>
public sealed class ScalarSumNode<T>(IReadOnlyList<Node<T>> terms)
    : Node<T>(1, terms.Any(t => t.RequiresGrad)) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Node<T>[] _terms = terms.ToArray(); // an array: enumerating an interface would allocate every step

    public override IReadOnlyList<Node<T>>? Inputs => _terms;
    public IReadOnlyList<Node<T>> Terms => _terms;

    public override void Forward()
    {
        T sum = T.Zero;
        foreach (var t in _terms) sum += t.Value[0];
        Value[0] = sum;
    }

    public override void Backward(Span<T> parameterGradient)
    {
        foreach (var t in _terms)
            if (t.RequiresGrad) t.Grad[0] += Grad[0];
    }
}
