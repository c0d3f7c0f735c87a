using System.Numerics.Tensors;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Nodes;

/// <summary>out = f(a) for an elementary function f (sin, cos, exp, log, tanh, sqrt); backward uses f′(a).</summary>
public sealed class ElementaryNode<T>(Node<T> a, ElementaryFunction function)
    : Node<T>(a.Length, a.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public ElementaryFunction Function => function;

    public override void Forward()
    {
        var x = a.Value;
        switch (function)
        {
            case ElementaryFunction.Sin: TensorPrimitives.Sin<T>(x, Value); break;
            case ElementaryFunction.Cos: TensorPrimitives.Cos<T>(x, Value); break;
            case ElementaryFunction.Exp: TensorPrimitives.Exp<T>(x, Value); break;
            case ElementaryFunction.Log: TensorPrimitives.Log<T>(x, Value); break;
            case ElementaryFunction.Tanh: TensorPrimitives.Tanh<T>(x, Value); break;
            case ElementaryFunction.Sqrt: TensorPrimitives.Sqrt<T>(x, Value); break;
        }
    }

    public override void Backward(Span<T> parameterGradient)
    {
        var x = a.Value;
        var g = a.Grad;
        switch (function)
        {
            // Reuse the forward value where f′ is a function of it: exp′ = exp, tanh′ = 1 − tanh², √′ = 1/(2√).
            case ElementaryFunction.Exp: for (int i = 0; i < g.Length; i++) g[i] += Grad[i] * Value[i]; break;
            case ElementaryFunction.Tanh: for (int i = 0; i < g.Length; i++) g[i] += Grad[i] * (T.One - Value[i] * Value[i]); break;
            case ElementaryFunction.Sqrt: for (int i = 0; i < g.Length; i++) g[i] += Grad[i] / (Value[i] + Value[i]); break;
            default: for (int i = 0; i < g.Length; i++) g[i] += Grad[i] * function.Derivative(x[i], 1); break;
        }
    }

    public override long ForwardFlops => 10L * Length;
}

/// <summary>out = a / b elementwise.</summary>
public sealed class DivideNode<T>(Node<T> a, Node<T> b)
    : Node<T>(a.Length, a.RequiresGrad || b.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override void Forward() => TensorPrimitives.Divide(a.Value, b.Value, Value);

    public override void Backward(Span<T> parameterGradient)
    {
        // ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −(a/b)/b.
        if (a.RequiresGrad) for (int i = 0; i < Grad.Length; i++) a.Grad[i] += Grad[i] / b.Value[i];
        if (b.RequiresGrad) for (int i = 0; i < Grad.Length; i++) b.Grad[i] -= Grad[i] * Value[i] / b.Value[i];
    }

    public override long ForwardFlops => Length;
}
