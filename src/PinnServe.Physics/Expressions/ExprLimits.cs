namespace PinnServe.Physics.Expressions;

/// <summary>
/// Limits on expressions read from files, so that hostile or runaway input is refused with a message instead of
/// overflowing the stack or growing without bound. Every algorithm over expressions (printing, evaluation,
/// differentiation, compilation) recurses at most <see cref="MaxDepth"/> deep and visits at most
/// <see cref="MaxNodes"/> nodes per expression.
/// <list type="bullet">
/// <item><see cref="MaxTextLength"/>: 100,000 characters per expression string; a PDE residual of the catalog is
/// under 200, so this leaves room for generated sums of thousands of terms and refuses megabyte strings.</item>
/// <item><see cref="MaxNesting"/>: 100 levels of parentheses, function calls, signs and exponents in one string
/// (the catalog needs under 10).</item>
/// <item><see cref="MaxNodes"/>: 100,000 nodes of an expression written out as a tree (a named function used
/// twice counts twice, derivatives expanded): what printing and evaluating an expression cost. Functions that
/// square or differentiate the previous one grow exponentially and hit this limit within about 16 levels.</item>
/// <item><see cref="MaxDepth"/>: 500 levels of the tree (long sums and products are built balanced, so only
/// nesting and chains of named functions make depth); 500 recursive frames fit every thread's stack.</item>
/// </list>
/// </summary>
public static class ExprLimits
{
    public const int MaxTextLength = 100_000;
    public const int MaxNesting = 100;
    public const long MaxNodes = 100_000;
    public const int MaxDepth = 500;

    /// <summary>Size as a tree (saturating at a large number) and depth, in time linear in the distinct nodes.</summary>
    public static (long Nodes, int Depth) Measure(Expr expr)
    {
        const long cap = long.MaxValue / 4;
        var memo = new Dictionary<Expr, (long Nodes, int Depth)>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Expr Node, bool Expanded)>();
        stack.Push((expr, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (memo.ContainsKey(node)) continue;
            var children = node.Children();
            if (!expanded)
            {
                stack.Push((node, true));
                foreach (var child in children) if (!memo.ContainsKey(child)) stack.Push((child, false));
                continue;
            }
            long nodes = 1;
            int depth = 0;
            foreach (var child in children)
            {
                var (n, d) = memo[child];
                nodes = Math.Min(cap, nodes + n);
                depth = Math.Max(depth, d);
            }
            memo[node] = (nodes, depth + 1);
        }
        return memo[expr];
    }

    /// <summary>Throws <see cref="ExpressionLimitException"/> naming <paramref name="what"/> when an expression exceeds a limit.</summary>
    public static Expr Check(Expr expr, string what)
    {
        var (nodes, depth) = Measure(expr);
        if (nodes > MaxNodes)
            throw new ExpressionLimitException(
                $"{what} is too large: {(nodes >= long.MaxValue / 4 ? "more than 10^18" : nodes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} nodes " +
                $"when written out (named functions and derivatives expanded); the limit is {MaxNodes:N0}");
        if (depth > MaxDepth)
            throw new ExpressionLimitException($"{what} is nested {depth} levels deep when written out; the limit is {MaxDepth}");
        return expr;
    }
}

/// <summary>An expression beyond one of <see cref="ExprLimits"/>.</summary>
public sealed class ExpressionLimitException(string message) : ArgumentException(message);
