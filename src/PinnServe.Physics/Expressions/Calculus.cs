using PinnServe.Contracts.Derivatives;

namespace PinnServe.Physics.Expressions;

/// <summary>
/// Symbolic differentiation of expressions along one input axis: the chain, product and quotient rules, applied
/// repeatedly for higher orders (so a third derivative of sin(u)/(1+u²) expands into the Faà di Bruno terms over
/// u's jet components, which the network supplies). Field derivatives gain the axis; coordinates give 1 or 0;
/// constants and coefficients 0. Known functions are opaque closures and cannot be differentiated: write them as
/// expressions of <see cref="Coordinate"/>s instead.
/// </summary>
public static class Calculus
{
    /// <summary>
    /// ∂expr/∂axis. Shared sub-expressions are differentiated once (the result shares them too), so the work is linear
    /// in the distinct nodes; the result is refused (<see cref="ExpressionLimitException"/>) beyond
    /// <see cref="ExprLimits.MaxNodes"/> new nodes or when, written out as a tree, it exceeds <see cref="ExprLimits"/>.
    /// </summary>
    public static Expr Differentiate(Expr expr, string axis)
    {
        var (_, depth) = ExprLimits.Measure(expr);
        if (depth > ExprLimits.MaxDepth)
            throw new ExpressionLimitException($"cannot differentiate an expression nested {depth} levels deep; the limit is {ExprLimits.MaxDepth}");
        var pass = new Pass(axis);
        return pass.D(expr);
    }

    private sealed class Pass(string axis)
    {
        private readonly Dictionary<Expr, Expr> _memo = new(ReferenceEqualityComparer.Instance);
        private long _created;

        public Expr D(Expr expr)
        {
            if (_memo.TryGetValue(expr, out var known)) return known;
            if (++_created > ExprLimits.MaxNodes)
                throw new ExpressionLimitException($"the derivative along {axis} grows beyond {ExprLimits.MaxNodes:N0} nodes (the limit on an expression's size)");
            var result = expr switch
            {
                FieldDerivative f => f with { Derivative = [.. f.Derivative, axis] },
                Coordinate c => new Constant(c.Axis == axis ? 1 : 0),
                Constant or Coefficient => Zero,
                Known k => throw new ArgumentException($"Cannot differentiate the known function '{k.Name}': write it as an expression of the coordinates."),
                Observed o => throw new ArgumentException($"Cannot differentiate observed values '{o.Name}'."),
                Sum s => Add(Scale(D(s.A), s.Alpha), Scale(D(s.B), s.Beta)),
                Affine a => Scale(D(a.A), a.Scale),
                Product p => Add(Multiply(D(p.A), p.B), Multiply(p.A, D(p.B))),
                Power p => Multiply(Scale(p.Exponent == 2 ? p.A : new Power(p.A, p.Exponent - 1), p.Exponent), D(p.A)),
                // (a/b)' = (a' − (a/b)·b')/b, reusing the quotient node itself.
                Quotient q => Divide(Add(D(q.A), Scale(Multiply(q, D(q.B)), -1)), q.B),
                Apply f => Multiply(Outer(f), D(f.A)),
                _ => throw new NotSupportedException($"Cannot differentiate {expr.GetType().Name}."),
            };
            _memo[expr] = result;
            return result;
        }
    }

    /// <summary>f′(a) as an expression, sharing the node f(a) where f′ is a function of it (exp, tanh, sqrt).</summary>
    private static Expr Outer(Apply f) => f.Function switch
    {
        ElementaryFunction.Sin => new Apply(ElementaryFunction.Cos, f.A),
        ElementaryFunction.Cos => new Affine(new Apply(ElementaryFunction.Sin, f.A), -1, 0),
        ElementaryFunction.Exp => f,
        ElementaryFunction.Log => new Quotient(new Constant(1), f.A),
        ElementaryFunction.Tanh => new Affine(new Power(f, 2), -1, 1),
        ElementaryFunction.Sqrt => new Quotient(new Constant(0.5), f),
        _ => throw new NotSupportedException(f.Function.ToString()),
    };

    private static readonly Constant Zero = new(0);
    private static bool IsZero(Expr e) => e is Constant { Value: 0 };

    // Constructors that drop zero and unit factors, so repeated differentiation does not grow dead branches.
    private static Expr Add(Expr a, Expr b) =>
        IsZero(a) ? b : IsZero(b) ? a : a is Constant x && b is Constant y ? new Constant(x.Value + y.Value) : new Sum(a, 1, b, 1);

    private static Expr Scale(Expr a, double c) =>
        c == 0 || IsZero(a) ? Zero : c == 1 ? a : a is Constant x ? new Constant(c * x.Value) : new Affine(a, c, 0);

    private static Expr Multiply(Expr a, Expr b) =>
        IsZero(a) || IsZero(b) ? Zero
        : a is Constant x ? Scale(b, x.Value)
        : b is Constant y ? Scale(a, y.Value)
        : new Product(a, b);

    private static Expr Divide(Expr a, Expr b) => IsZero(a) ? Zero : b is Constant y ? Scale(a, 1 / y.Value) : new Quotient(a, b);
}
