namespace PinnServe.Physics.Expressions;

/// <summary>
/// Evaluates an expression at one point in float64, given the value of every field derivative — used to check
/// a problem's residuals against its exact solution and for debugging, never in the training loop.
/// </summary>
public static class ExprInterpreter
{
    public static double Evaluate(Expr expr, double[] point, Func<FieldDerivative, double> field, IReadOnlyDictionary<string, double> coefficients) =>
        expr switch
        {
            FieldDerivative f => field(f),
            Known k => k.Function(point),
            Observed => throw new NotSupportedException("Observed values are attached to points by index; evaluate them through the term compiler."),
            Constant c => c.Value,
            Coefficient c => coefficients.TryGetValue(c.Name, out var v) ? v : throw new ArgumentException($"Unknown coefficient '{c.Name}'."),
            Sum s => s.Alpha * Evaluate(s.A, point, field, coefficients) + s.Beta * Evaluate(s.B, point, field, coefficients),
            Affine a => a.Scale * Evaluate(a.A, point, field, coefficients) + a.Shift,
            Product p => Evaluate(p.A, point, field, coefficients) * Evaluate(p.B, point, field, coefficients),
            Power p => Math.Pow(Evaluate(p.A, point, field, coefficients), p.Exponent),
            _ => throw new NotSupportedException(expr.GetType().Name),
        };
}
