using System.Globalization;

namespace PinnServe.Physics.Expressions;

/// <summary>Rebuilds an expression bottom-up after a top-down replacement: <c>Map(e, x => x is Coordinate ? … : null)</c>.</summary>
public static class ExprRewriter
{
    /// <param name="replace">Returns the replacement of a node, or null to keep it and rewrite its children.</param>
    /// <remarks>A sub-expression shared by several parents is rewritten once and stays shared.</remarks>
    public static Expr Map(Expr expr, Func<Expr, Expr?> replace) =>
        Map(expr, replace, new Dictionary<Expr, Expr>(ReferenceEqualityComparer.Instance));

    private static Expr Map(Expr expr, Func<Expr, Expr?> replace, Dictionary<Expr, Expr> memo)
    {
        if (memo.TryGetValue(expr, out var done)) return done;
        Expr M(Expr e) => Map(e, replace, memo);
        var result = replace(expr) ?? expr switch
        {
            Sum s => s with { A = M(s.A), B = M(s.B) },
            Affine a => a with { A = M(a.A) },
            Product p => p with { A = M(p.A), B = M(p.B) },
            Power p => p with { A = M(p.A) },
            Quotient q => q with { A = M(q.A), B = M(q.B) },
            Apply f => f with { A = M(f.A) },
            _ => expr,
        };
        memo[expr] = result;
        return result;
    }
}

/// <summary>
/// Writes an expression back in the problem-file notation (u_xx, sin(pi*x), a/(b + c)), parenthesized by
/// precedence so that parsing the text gives the same value: <c>u - (x + t)</c> keeps its parentheses.
/// </summary>
public static class ExprFormatter
{
    public static string Format(Expr expr) => Format(expr, Sum);

    // Precedence levels: a text of level p needs parentheses where the context asks for more than p.
    private const int Sum = 0, Product = 1, Unary = 2, Power = 3, Atom = 4;

    private static string Format(Expr e, int context)
    {
        (string text, int precedence) = e switch
        {
            Constant c => (Number(c.Value), c.Value < 0 ? Unary : Atom),
            Coefficient c => (c.Name, Atom),
            Coordinate c => (c.Axis, Atom),
            // Collapsed sub-expressions are named by their text: parenthesize any that holds an operator.
            Known k => (k.Name, TopLevel(k.Name)),
            Observed o => (o.Name, Atom),
            FieldDerivative f => ((f.Side == 1 ? "partner:" : "") + f, Atom),
            Expressions.Sum s => (Scaled(s.A, s.Alpha) + Continue(s.B, s.Beta), Sum),
            Affine { Shift: 0, Scale: 1 } a => (Format(a.A, context), Atom),
            Affine { Shift: 0 } a => (Scaled(a.A, a.Scale), a.Scale == -1 ? Unary : Product),
            Affine a => (Scaled(a.A, a.Scale) + (a.Shift > 0 ? " + " : " - ") + Number(Math.Abs(a.Shift)), Sum),
            Expressions.Product p => ($"{Format(p.A, Product)}*{Format(p.B, Power)}", Product),
            Quotient q => ($"{Format(q.A, Product)}/{Format(q.B, Power)}", Product),
            Expressions.Power p => ($"{Format(p.A, Atom)}^{p.Exponent}", Power),
            Apply f => ($"{f.Function.ToString().ToLowerInvariant()}({Format(f.A, Sum)})", Atom),
            _ => (e.ToString() ?? "?", Atom),
        };
        return precedence < context ? $"({text})" : text;
    }

    /// <summary>The precedence of a text by its operators outside parentheses: "sin(pi*x)" is an atom, "x + t" a sum.</summary>
    private static int TopLevel(string text)
    {
        int depth = 0, level = Atom;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (depth > 0) continue;
            else if (c is '+' or '-' && i > 0 && !(i > 1 && text[i - 1] is 'e' or 'E' && char.IsDigit(text[i - 2]))) return Sum;
            else if (c is '-' && i == 0) level = Math.Min(level, Unary);
            else if (c is '*' or '/') level = Math.Min(level, Product);
            else if (c is '^') level = Math.Min(level, Power);
            else if (c is ' ' or ',' or ':' or '=') return Sum;   // a name that is not an expression: keep it apart
        }
        return level;
    }

    /// <summary>c·e as the first operand of a sum (or on its own): "e", "-e", "2*e".</summary>
    private static string Scaled(Expr e, double scale) =>
        scale == 1 ? Format(e, Sum) : scale == -1 ? $"-{Format(e, Power)}" : $"{Number(scale)}*{Format(e, Power)}";

    /// <summary>" + c·e" or " - |c|·e" after the first operand of a sum: the operand binds tighter than the sum.</summary>
    private static string Continue(Expr e, double scale)
    {
        double magnitude = Math.Abs(scale);
        string text = magnitude == 1 ? Format(e, Product) : $"{Number(magnitude)}*{Format(e, Power)}";
        if (text.StartsWith('-')) text = $"({text})";
        return (scale < 0 ? " - " : " + ") + text;
    }

    private static string Number(double v) =>
        v == Math.PI ? "pi"
        : double.IsNaN(v) ? "nan"
        : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
        : v.ToString("R", CultureInfo.InvariantCulture);
}
