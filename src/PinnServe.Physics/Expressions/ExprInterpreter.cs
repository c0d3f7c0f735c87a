using PinnServe.Contracts.Derivatives;

namespace PinnServe.Physics.Expressions;

/// <summary>
/// Evaluates an expression at one point in float64, given the value of every field derivative — used to check
/// a problem's residuals against its exact solution and for debugging, never in the training loop.
/// </summary>
public static class ExprInterpreter
{
    /// <param name="axes">Axis names in point order; needed only for <see cref="Coordinate"/> nodes.</param>
    public static double Evaluate(Expr expr, double[] point, Func<FieldDerivative, double> field, IReadOnlyDictionary<string, double> coefficients,
        IReadOnlyList<string>? axes = null) =>
        expr switch
        {
            FieldDerivative f => field(f),
            Known k => k.Function(point),
            Observed => throw new NotSupportedException("Observed values are attached to points by index; evaluate them through the term compiler."),
            Constant c => c.Value,
            Coefficient c => coefficients.TryGetValue(c.Name, out var v) ? v : throw new ArgumentException($"Unknown coefficient '{c.Name}'."),
            Sum s => s.Alpha * Evaluate(s.A, point, field, coefficients, axes) + s.Beta * Evaluate(s.B, point, field, coefficients, axes),
            Affine a => a.Scale * Evaluate(a.A, point, field, coefficients, axes) + a.Shift,
            Product p => Evaluate(p.A, point, field, coefficients, axes) * Evaluate(p.B, point, field, coefficients, axes),
            Power p => Math.Pow(Evaluate(p.A, point, field, coefficients, axes), p.Exponent),
            Quotient q => Evaluate(q.A, point, field, coefficients, axes) / Evaluate(q.B, point, field, coefficients, axes),
            Apply f => f.Function.Derivative(Evaluate(f.A, point, field, coefficients, axes), 0),
            Coordinate c => axes is null ? throw new ArgumentException($"Coordinate '{c.Axis}' needs the axis names.")
                : point[IndexOf(axes, c.Axis)],
            _ => throw new NotSupportedException(expr.GetType().Name),
        };

    private static int IndexOf(IReadOnlyList<string> axes, string axis)
    {
        for (int i = 0; i < axes.Count; i++) if (axes[i] == axis) return i;
        throw new ArgumentException($"Unknown coordinate '{axis}' (axes: {string.Join(", ", axes)}).");
    }

    /// <summary>The value of an expression made only of constants and (non-learned) coefficients, or null.</summary>
    public static double? TryConstant(Expr expr, IReadOnlyDictionary<string, double> coefficients, IEnumerable<string>? variable = null)
    {
        foreach (var e in expr.Walk())
            if (e is FieldDerivative or Known or Observed or Coordinate || e is Coefficient c && (variable?.Contains(c.Name) == true || !coefficients.ContainsKey(c.Name)))
                return null;
        return Evaluate(expr, [], _ => 0, coefficients);
    }
}
