namespace PinnServe.Physics.Expressions;

/// <summary>Rebuilds an expression bottom-up after a top-down replacement: <c>Map(e, x => x is Coordinate ? … : null)</c>.</summary>
public static class ExprRewriter
{
    /// <param name="replace">Returns the replacement of a node, or null to keep it and rewrite its children.</param>
    public static Expr Map(Expr expr, Func<Expr, Expr?> replace)
    {
        if (replace(expr) is { } replaced) return replaced;
        Expr M(Expr e) => Map(e, replace);
        return expr switch
        {
            Sum s => s with { A = M(s.A), B = M(s.B) },
            Affine a => a with { A = M(a.A) },
            Product p => p with { A = M(p.A), B = M(p.B) },
            Power p => p with { A = M(p.A) },
            Quotient q => q with { A = M(q.A), B = M(q.B) },
            Apply f => f with { A = M(f.A) },
            _ => expr,
        };
    }
}

/// <summary>Writes an expression back in the problem-file notation (u_xx, sin(pi*x), a/(b + c)), parenthesized by precedence.</summary>
public static class ExprFormatter
{
    public static string Format(Expr expr) => Format(expr, 0);

    // Precedence: 0 sum, 1 product, 2 unary minus, 3 power, 4 atom.
    private static string Format(Expr e, int context)
    {
        (string text, int precedence) = e switch
        {
            Constant c => (Number(c.Value), c.Value < 0 ? 2 : 4),
            Coefficient c => (c.Name, 4),
            Coordinate c => (c.Axis, 4),
            Known k => (k.Name, k.Name.Any(c => c is ' ' or '+' or '-' or '*' or '/' or '^') ? 0 : 4), // collapsed sub-expressions are named by their text
            Observed o => (o.Name, 4),
            FieldDerivative f => ((f.Side == 1 ? "partner:" : "") + f, 4),
            Sum s => (Join(s.A, s.Alpha, s.B, s.Beta), 0),
            Affine a => (AffineText(a), a.Shift != 0 ? 0 : a.Scale == -1 ? 2 : 1),
            Product p => ($"{Format(p.A, 1)}*{Format(p.B, 3)}", 1),
            Quotient q => ($"{Format(q.A, 1)}/{Format(q.B, 3)}", 1),
            Power p => ($"{Format(p.A, 4)}^{p.Exponent}", 3),
            Apply f => ($"{f.Function.ToString().ToLowerInvariant()}({Format(f.A, 0)})", 4),
            _ => (e.ToString() ?? "?", 4),
        };
        return precedence < context ? $"({text})" : text;
    }

    private static string Join(Expr a, double alpha, Expr b, double beta)
    {
        string left = Scaled(a, alpha);
        string right = Scaled(b, Math.Abs(beta));
        if (right.StartsWith('-')) right = $"({right})";
        return beta < 0 ? $"{left} - {Wrap(right, b, Math.Abs(beta))}" : $"{left} + {right}";
    }

    private static string Wrap(string text, Expr e, double scale) => scale == 1 && e is Sum or Affine { Shift: not 0 } ? $"({text})" : text;

    private static string Scaled(Expr e, double scale) =>
        scale == 1 ? Format(e, 0) : scale == -1 ? $"-{Format(e, 2)}" : $"{Number(scale)}*{Format(e, 2)}";

    private static string AffineText(Affine a)
    {
        string scaled = a.Scale == 1 ? Format(a.A, 0) : a.Scale == -1 ? $"-{Format(a.A, 3)}" : $"{Number(a.Scale)}*{Format(a.A, 2)}";
        return a.Shift == 0 ? scaled : a.Shift > 0 ? $"{scaled} + {Number(a.Shift)}" : $"{scaled} - {Number(-a.Shift)}";
    }

    private static string Number(double v) => v == Math.PI ? "pi" : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
