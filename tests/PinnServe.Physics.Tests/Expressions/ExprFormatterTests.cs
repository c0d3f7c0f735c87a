using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;

namespace PinnServe.Physics.Tests.Expressions;

/// <summary>The printer keeps the parentheses a re-parse needs (issue 32: `u - (x + t)` printed as `u - x + t`).</summary>
public class ExprFormatterTests
{
    [Theory]
    [InlineData("u - (x + t)")]
    [InlineData("u - (x - t)")]
    [InlineData("u_t - (x*t + 1)")]
    [InlineData("u/(x*t)")]
    [InlineData("u*(-x)")]
    [InlineData("(u + 1)^2")]
    [InlineData("-(u + x)")]
    [InlineData("u - -x")]
    [InlineData("2*(u - (x + t))")]
    public void A_printed_problem_reads_back_to_the_same_value(string expr)
    {
        var problem = Problems.Parse(Problems.HeatWith(after: $"""
            [[terms]]
            name = "check"
            kind = "condition"
            on = "interior"
            expr = "{expr}"
            """));
        var parsed = problem.Terms.Single(t => t.Name == "check").Pieces[0].Errors[0];
        string printed = ExprFormatter.Format(parsed);
        var scope = new ExpressionScope(["t", "x"], ["u"], problem.Parameters);
        var again = ExpressionParser.Parse(printed, scope, new SourceLocation("printed", 1, 1));
        foreach (var (t, x, u) in new[] { (0.3, 0.7, 1.9), (0.9, 0.1, -0.4) })
        {
            double Eval(Expr e) => ExprInterpreter.Evaluate(e, [t, x], _ => u, problem.Parameters, ["t", "x"]);
            Assert.Equal(Eval(ExpressionParser.Parse(expr, scope, new SourceLocation("original", 1, 1))), Eval(again), 12);
        }
    }

    [Fact]
    public void U_minus_a_parenthesized_sum_of_coordinates_keeps_its_parentheses()
    {
        var problem = Problems.Parse(Problems.HeatWith(after: """
            [[terms]]
            name = "check"
            kind = "condition"
            on = "interior"
            expr = "u - (x + t)"
            """));
        Assert.Equal("u - (x + t)", ExprFormatter.Format(problem.Terms.Single(t => t.Name == "check").Pieces[0].Errors[0]));
    }
}
