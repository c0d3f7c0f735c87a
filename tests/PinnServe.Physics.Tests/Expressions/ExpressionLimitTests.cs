using System.Text;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;

namespace PinnServe.Physics.Tests.Expressions;

/// <summary>Issue 32: expressions nested or sized beyond reason are refused with file:line:column and the limit; long flat ones parse in linear time.</summary>
public class ExpressionLimitTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static readonly ExpressionScope Scope = new(["t", "x"], ["u"], new Dictionary<string, double> { ["k"] = 2 });

    private static Expr Parse(string text) => ExpressionParser.Parse(text, Scope, new SourceLocation("p.toml", 3, 8));

    [Fact]
    public void Sin_nested_ten_thousand_deep_is_refused_with_place_and_limit()
    {
        string text = string.Concat(Enumerable.Repeat("sin(", 10_000)) + "u" + new string(')', 10_000);
        var e = Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () => Parse(text)));
        Assert.Equal(3, e.Line);
        Assert.Contains($"{ExprLimits.MaxNesting} levels", e.Message);
        Assert.StartsWith("p.toml:3:", e.Message);
    }

    [Fact]
    public void Hundred_thousand_parentheses_are_refused()
    {
        string text = new string('(', 100_000) + "u" + new string(')', 100_000);
        var e = Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () => Parse(text)));
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void A_flat_megabyte_sum_is_refused_naming_the_length_limit()
    {
        var text = new StringBuilder("u");
        while (text.Length < 1_000_000) text.Append(" + u");
        var e = Assert.Throws<ProblemFileException>(() => Parse(text.ToString()));
        Assert.Contains("100,000", e.Message);
        Assert.StartsWith("p.toml:3:8:", e.Message);
    }

    [Theory]
    [InlineData(" + u")]
    [InlineData(" - u")]
    [InlineData("*u")]
    [InlineData("/u")]
    public void Ten_thousand_term_chains_parse_and_keep_their_value(string link)
    {
        string text = "u" + string.Concat(Enumerable.Repeat(link, 9_999));
        var e = Problems.Within(Generous, () => Parse(text));
        double u = 1.0001;
        double expected = link switch { " + u" => 10_000 * u, " - u" => u - 9_999 * u, "*u" => Math.Pow(u, 10_000), _ => Math.Pow(u, -9_998) };
        double value = ExprInterpreter.Evaluate(e, [0.5, 0.5], _ => u, Scope.Parameters, Scope.Axes);
        Assert.Equal(expected, value, Math.Abs(expected) * 1e-9 + 1e-9);
        Assert.True(ExprLimits.Measure(e).Depth < 40, "a long chain is built balanced");
    }

    [Fact]
    public void Ten_thousand_unary_minus_signs_fold()
    {
        string text = string.Concat(Enumerable.Repeat("- ", 10_001)) + "u";
        var e = Problems.Within(Generous, () => Parse(text));
        Assert.Equal(-3.0, ExprInterpreter.Evaluate(e, [0, 0], _ => 3, Scope.Parameters, Scope.Axes));
    }

    [Fact]
    public void A_whole_problem_file_with_a_ten_thousand_term_residual_loads()
    {
        string residual = "u_t" + string.Concat(Enumerable.Repeat(" + u", 10_000));
        var problem = Problems.Within(Generous, () => Problems.Parse(Problems.HeatWith(residual: residual)));
        Assert.Equal("residual", problem.Terms[0].Name);
    }

    [Fact]
    public void Functions_that_each_differentiate_the_previous_one_are_refused_quickly_naming_the_function_and_limit()
    {
        var functions = new StringBuilder("[functions]\nf0 = \"sin(u)*cos(u_x)/(1 + u^2)\"\n");
        for (int i = 1; i <= 12; i++) functions.Append($"f{i} = \"f{i - 1}_x + f{i - 1}_t\"\n");
        var e = Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () => Problems.Parse(Problems.HeatWith(after: functions.ToString()))));
        Assert.Contains("function 'f", e.Message);
        Assert.Contains(ExprLimits.MaxNodes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public void Functions_that_square_the_previous_one_are_refused_not_expanded()
    {
        var functions = new StringBuilder("[functions]\nf0 = \"u*u\"\n");
        for (int i = 1; i <= 60; i++) functions.Append($"f{i} = \"f{i - 1}*f{i - 1}\"\n");
        var e = Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () => Problems.Parse(Problems.HeatWith(after: functions.ToString()))));
        Assert.Contains("function 'f", e.Message);
        Assert.Contains("limit", e.Message);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("u + 2e999")]
    public void Numbers_beyond_float64_are_refused(string text)
    {
        var e = Assert.Throws<ProblemFileException>(() => Parse(text));
        Assert.Contains("float64", e.Message);
    }

    [Fact]
    public void Walk_visits_a_shared_node_once()
    {
        Expr e = new FieldDerivative("u", []);
        for (int i = 0; i < 200; i++) e = new Product(e, e); // 2^200 nodes as a tree
        Assert.Equal(201, e.Walk().Count());
        Assert.Throws<ExpressionLimitException>(() => ExprLimits.Check(e, "e"));
    }
}
