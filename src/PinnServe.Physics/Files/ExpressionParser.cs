using System.Globalization;
using PinnServe.Autodiff.Taylor;
using PinnServe.Physics.Expressions;

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
/// column of the offending character.
/// </summary>
public static class ExpressionParser
{
    public static Expr Parse(string text, ExpressionScope scope, SourceLocation where)
    {
        var parser = new State(text, scope, where);
        var expr = parser.ParseSum();
        parser.SkipSpace();
        if (parser.Position < text.Length) throw parser.Error(parser.Position, $"unexpected '{text[parser.Position]}' in \"{Short(text)}\"");
        return expr;
    }

    internal static string Short(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private sealed class State(string text, ExpressionScope scope, SourceLocation where)
    {
        public int Position;

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

        public Expr ParseSum()
        {
            var left = ParseProduct();
            while (true)
            {
                if (Accept('+')) left = left + ParseProduct();
                else if (Accept('-')) left = left - ParseProduct();
                else return left;
            }
        }

        private Expr ParseProduct()
        {
            var left = ParseUnary();
            while (true)
            {
                if (Accept('*')) left = left * ParseUnary();
                else if (Accept('/')) left = new Quotient(left, ParseUnary());
                else return left;
            }
        }

        private Expr ParseUnary()
        {
            if (Accept('-')) return -ParseUnary();
            if (Accept('+')) return ParseUnary();
            return ParsePower();
        }

        private Expr ParsePower()
        {
            var baseExpr = ParsePrimary();
            SkipSpace();
            int at = Position;
            if (!Accept('^')) return baseExpr;
            var exponentExpr = ParseUnary(); // right-associative: a^b^c = a^(b^c); a^-1 allowed
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
                var inner = ParseSum();
                if (!Accept(')')) throw Error(open, "unclosed '('");
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
                throw Error(start, $"'{token}' is not a number");
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
                    throw Error(start, $"unknown function '{name}' (functions: {string.Join(", ", ElementaryFunctions.ByName.Keys)})");
                int open = Position++;
                var argument = ParseSum();
                if (!Accept(')')) throw Error(open, $"unclosed '(' after {name}");
                return new Apply(function, argument);
            }
            try
            {
                return scope.Resolve(name) ?? throw Error(start, $"unknown name '{name}' (known: {scope.Known()}; derivatives as u_x, u_tt)");
            }
            catch (ArgumentException e) when (e is not ProblemFileException)
            {
                throw Error(start, e.Message);
            }
        }
    }
}
