using System.Globalization;
using PinnServe.Physics.Expressions;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Physics.Files;

/// <summary>
/// The names an expression may use: coordinates, parameters, network outputs (with derivative suffixes such as
/// <c>u_tt</c>, <c>psi_xxy</c>) and named expressions (functions and derived fields, also with suffixes).
/// </summary>
public sealed class ExpressionScope
{
    private readonly Dictionary<string, Expr> _named = new(StringComparer.Ordinal);

    public ExpressionScope(IReadOnlyList<string> axes, IReadOnlyList<string> outputs, IReadOnlyDictionary<string, double> parameters)
    {
        Axes = axes;
        Outputs = outputs;
        Parameters = parameters;
    }

    public IReadOnlyList<string> Axes { get; }
    public IReadOnlyList<string> Outputs { get; }
    public IReadOnlyDictionary<string, double> Parameters { get; }
    public IReadOnlyDictionary<string, Expr> Named => _named;

    public void Define(string name, Expr value) => _named[name] = value;

    public bool IsDefined(string name) =>
        Axes.Contains(name) || Outputs.Contains(name) || Parameters.ContainsKey(name) || _named.ContainsKey(name);

    /// <summary>The expression a name stands for, or null.</summary>
    public Expr? Resolve(string name)
    {
        if (Axes.Contains(name)) return new Coordinate(name);
        if (Parameters.ContainsKey(name)) return new Coefficient(name);
        if (Outputs.Contains(name)) return new FieldDerivative(name, []);
        if (_named.TryGetValue(name, out var named)) return named;
        if (name == "pi") return new Constant(Math.PI);
        // name_axes: a derivative of an output or of a named expression; every '_' is tried (names may contain '_').
        for (int split = name.LastIndexOf('_'); split > 0; split = name.LastIndexOf('_', split - 1))
        {
            string stem = name[..split], suffix = name[(split + 1)..];
            if (suffix.Length == 0 || suffix.Any(c => !Axes.Contains(c.ToString()))) continue;
            if (Outputs.Contains(stem)) return new FieldDerivative(stem, suffix.Select(c => c.ToString()).ToArray());
            if (_named.TryGetValue(stem, out var baseExpr)) return baseExpr.D(suffix);
        }
        return null;
    }

    public string Known() =>
        string.Join(", ", Axes.Concat(Outputs).Concat(Parameters.Keys).Concat(_named.Keys).Append("pi"));
}

/// <summary>
/// Parses the catalog's notation: <c>u_tt + alpha*u_xx + gamma*u^3 - f</c>, <c>sin(pi*x)*exp(-t)</c>,
/// <c>(u*u_x)/(1 + u^2)</c>. Operators + − * / ^ (right-associative; the exponent must be a number or a
/// parameter), unary minus, parentheses, numbers (1e-4), sin cos exp log tanh sqrt. Errors carry the line and
/// column of the offending character. Input is bounded by <see cref="ExprLimits"/> (length, nesting, size when
/// written out); parsing takes time linear in the text: long chains of + − or * / are built as balanced trees
/// (same value, logarithmic depth) and runs of signs are folded.
/// </summary>
public static class ExpressionParser
{
    /// <summary>Chains of more operands than this are built balanced instead of left to right.</summary>
    internal const int BalanceAbove = 32;

    /// <param name="what">What the expression is, for limit errors: "term 'residual'", "function 'f'".</param>
    public static Expr Parse(string text, ExpressionScope scope, SourceLocation where, string? what = null)
    {
        if (text.Length > ExprLimits.MaxTextLength)
            throw where.Error($"{what ?? "the expression"} is {text.Length:N0} characters long; the limit is {ExprLimits.MaxTextLength:N0}");
        var parser = new State(text, scope, where);
        var expr = parser.ParseSum();
        parser.SkipSpace();
        if (parser.Position < text.Length) throw parser.Error(parser.Position, $"unexpected '{text[parser.Position]}' in \"{Short(text)}\"");
        try { return ExprLimits.Check(expr, what ?? $"\"{Short(text)}\""); }
        catch (ExpressionLimitException e) { throw where.Error(e.Message); }
    }

    internal static string Short(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private sealed class State(string text, ExpressionScope scope, SourceLocation where)
    {
        public int Position;
        private int _depth;

        public ProblemFileException Error(int at, string message) => where.Advance(at).Error(message);

        public void SkipSpace()
        {
            while (Position < text.Length && char.IsWhiteSpace(text[Position])) Position++;
        }

        private bool Accept(char c)
        {
            SkipSpace();
            if (Position < text.Length && text[Position] == c) { Position++; return true; }
            return false;
        }

        /// <summary>One more level of parentheses, call, sign or exponent; refused beyond <see cref="ExprLimits.MaxNesting"/>.</summary>
        private void Enter(int at)
        {
            if (++_depth > ExprLimits.MaxNesting)
                throw Error(at, $"the expression nests parentheses, calls, signs or exponents more than {ExprLimits.MaxNesting} levels deep (the limit)");
        }

        private void Leave() => _depth--;

        public Expr ParseSum()
        {
            var operands = new List<(Expr Term, double Sign)> { (ParseProduct(), 1) };
            while (true)
            {
                if (Accept('+')) operands.Add((ParseProduct(), 1));
                else if (Accept('-')) operands.Add((ParseProduct(), -1));
                else break;
            }
            if (operands.Count <= BalanceAbove)
            {
                var left = operands[0].Term;
                for (int i = 1; i < operands.Count; i++) left = operands[i].Sign > 0 ? left + operands[i].Term : left - operands[i].Term;
                return left;
            }
            var (sum, sign) = BalancedSum(operands, 0, operands.Count);
            return sign > 0 ? sum : -sum;
        }

        /// <summary>Σ sign·term over [from, to) as a tree of logarithmic depth; the sign of a one-term range is returned, not applied.</summary>
        private static (Expr Sum, double Sign) BalancedSum(List<(Expr Term, double Sign)> operands, int from, int to)
        {
            if (to - from == 1) return operands[from];
            int middle = (from + to) / 2;
            var (a, alpha) = BalancedSum(operands, from, middle);
            var (b, beta) = BalancedSum(operands, middle, to);
            return (new Sum(a, alpha, b, beta), 1);
        }

        private Expr ParseProduct()
        {
            var factors = new List<(Expr Factor, bool Divide)> { (ParseUnary(), false) };
            while (true)
            {
                if (Accept('*')) factors.Add((ParseUnary(), false));
                else if (Accept('/')) factors.Add((ParseUnary(), true));
                else break;
            }
            if (factors.Count <= BalanceAbove)
            {
                var left = factors[0].Factor;
                for (int i = 1; i < factors.Count; i++) left = factors[i].Divide ? new Quotient(left, factors[i].Factor) : left * factors[i].Factor;
                return left;
            }
            // a*b/c*d… = (a*b*d…)/(c*…), both products balanced.
            var numerator = factors.Where(f => !f.Divide).Select(f => f.Factor).ToList();
            var denominator = factors.Where(f => f.Divide).Select(f => f.Factor).ToList();
            var top = BalancedProduct(numerator, 0, numerator.Count);
            return denominator.Count == 0 ? top : new Quotient(top, BalancedProduct(denominator, 0, denominator.Count));
        }

        private static Expr BalancedProduct(List<Expr> factors, int from, int to)
        {
            if (to - from == 1) return factors[from];
            int middle = (from + to) / 2;
            return new Product(BalancedProduct(factors, from, middle), BalancedProduct(factors, middle, to));
        }

        /// <summary>Signs, then a power: a run of signs is folded (− − u is u), so its length costs no depth.</summary>
        private Expr ParseUnary()
        {
            bool negative = false;
            int signs = 0;
            while (true)
            {
                if (Accept('-')) negative = !negative;
                else if (Accept('+')) { }
                else break;
                signs++;
            }
            if (signs == 0) return ParsePower();
            Enter(Position);
            var operand = ParsePower();
            Leave();
            return negative ? -operand : operand;
        }

        private Expr ParsePower()
        {
            var baseExpr = ParsePrimary();
            SkipSpace();
            int at = Position;
            if (!Accept('^')) return baseExpr;
            Enter(at);
            var exponentExpr = ParseUnary(); // right-associative: a^b^c = a^(b^c); a^-1 allowed
            Leave();
            double? folded = ExprInterpreter.TryConstant(exponentExpr, scope.Parameters);
            if (folded is not { } exponent || !double.IsFinite(exponent))
                throw Error(at + 1, "an exponent must be a number or an expression of parameters");
            if (exponent == Math.Round(exponent) && Math.Abs(exponent) <= 16)
            {
                int n = (int)exponent;
                return n switch
                {
                    0 => new Constant(1),
                    > 0 => baseExpr.Pow(n),
                    _ => new Quotient(new Constant(1), baseExpr.Pow(-n)),
                };
            }
            // A real power of a positive base: a^p = exp(p·log a).
            return Expr.Exp(exponent * Expr.Log(baseExpr));
        }

        private Expr ParsePrimary()
        {
            SkipSpace();
            if (Position >= text.Length) throw Error(Position, $"expression ends early: \"{Short(text)}\"");
            char c = text[Position];
            if (c == '(')
            {
                int open = Position++;
                Enter(open);
                var inner = ParseSum();
                if (!Accept(')')) throw Error(open, "unclosed '('");
                Leave();
                return inner;
            }
            if (char.IsDigit(c) || c == '.') return ParseNumber();
            if (char.IsLetter(c) || c == '_') return ParseName();
            throw Error(Position, $"unexpected '{c}' in \"{Short(text)}\"");
        }

        private Expr ParseNumber()
        {
            int start = Position;
            while (Position < text.Length && (char.IsDigit(text[Position]) || text[Position] == '.')) Position++;
            if (Position < text.Length && text[Position] is 'e' or 'E')
            {
                int save = Position++;
                if (Position < text.Length && text[Position] is '+' or '-') Position++;
                if (Position < text.Length && char.IsDigit(text[Position]))
                    while (Position < text.Length && char.IsDigit(text[Position])) Position++;
                else Position = save;
            }
            string token = text[start..Position];
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw Error(start, $"'{Short(token)}' is not a number");
            if (!double.IsFinite(value)) throw Error(start, $"'{Short(token)}' is beyond the range of a float64 number (±1.8e308)");
            return new Constant(value);
        }

        private Expr ParseName()
        {
            int start = Position;
            while (Position < text.Length && (char.IsLetterOrDigit(text[Position]) || text[Position] == '_')) Position++;
            string name = text[start..Position];
            SkipSpace();
            if (Position < text.Length && text[Position] == '(')
            {
                if (!ElementaryFunctions.ByName.TryGetValue(name, out var function))
                    throw Error(start, $"unknown function '{Short(name)}' (functions: {string.Join(", ", ElementaryFunctions.ByName.Keys)})");
                int open = Position++;
                Enter(open);
                var argument = ParseSum();
                if (!Accept(')')) throw Error(open, $"unclosed '(' after {name}");
                Leave();
                return new Apply(function, argument);
            }
            try
            {
                return scope.Resolve(name) ?? throw Error(start, $"unknown name '{Short(name)}' (known: {scope.Known()}; derivatives as u_x, u_tt)");
            }
            catch (ArgumentException e) when (e is not ProblemFileException)
            {
                throw Error(start, e is ExpressionLimitException ? $"'{Short(name)}': {e.Message}" : e.Message);
            }
        }
    }
}
