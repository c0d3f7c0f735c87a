using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;

namespace PinnServe.Physics.Tests.Files;

/// <summary>Bad problem files are rejected with the file name, line and column of the fault, and what was expected.</summary>
public class ProblemFileErrorTests
{
    private const string Heat = """
        name = "heat"
        outputs = ["u"]

        [inputs]
        t = [0, 1]
        x = [0, 1]

        [parameters]
        kappa = 0.1

        [[terms]]
        name = "residual"
        kind = "residual"
        expr = "u_t - kappa*u_xx"

        [[terms]]
        name = "ic"
        kind = "initial"
        on = "t = 0"
        expr = "u - sin(pi*x)"
        """;

    private static ProblemFileException Fails(string text, string name = "heat.toml") =>
        Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(text, name));

    [Fact]
    public void TheValidFileParses()
    {
        var p = ProblemFiles.Parse(Heat, "heat.toml");
        Assert.Equal(["t", "x"], p.Domain.Names);
        Assert.Equal(["residual", "ic"], p.Terms.Select(t => t.Name));
        Assert.Equal(TermRole.Initial, p.Terms[1].Role);
    }

    [Fact]
    public void UnknownNameInAnExpressionGivesLineAndColumn()
    {
        var e = Fails(Heat.Replace("u_t - kappa*u_xx", "u_t - kapa*u_xx"));
        Assert.Equal((14, 15), (e.Line, e.Column)); // expr = "u_t - kapa…: the k of kapa
        Assert.StartsWith("heat.toml:14:15: unknown name 'kapa'", e.Message);
        Assert.Contains("kappa", e.Message);
    }

    [Fact]
    public void ExpressionSyntaxErrorsPointAtTheCharacter()
    {
        var e = Fails(Heat.Replace("u - sin(pi*x)", "u - sin(pi*x"));
        Assert.Equal(20, e.Line);
        Assert.Contains("unclosed '('", e.Message);
        var f = Fails(Heat.Replace("u - sin(pi*x)", "u - sinh(x)"));
        Assert.Equal((20, 13), (f.Line, f.Column));
        Assert.Contains("unknown function 'sinh'", f.Message);
    }

    [Fact]
    public void TomlSyntaxErrorsCarryTheirPlace()
    {
        var e = Fails(Heat.Replace("kappa = 0.1", "kappa = = 0.1"));
        Assert.Equal(9, e.Line);
        Assert.Contains("TOML syntax", e.Message);
    }

    [Fact]
    public void SchemaErrorsNameTheKey()
    {
        Assert.Contains("unknown key 'terms[1].expresion'", Fails(Heat.Replace("expr = \"u - sin", "expresion = \"u - sin")).Message);
        Assert.Contains("unknown kind 'boundry'", Fails(Heat.Replace("kind = \"initial\"", "kind = \"boundry\"")).Message);
        Assert.Contains("unknown input 'z'", Fails(Heat.Replace("on = \"t = 0\"", "on = \"z = 0\"")).Message);
        Assert.Contains("unknown region 'rim'", Fails(Heat.Replace("on = \"t = 0\"", "on = \"rim\"")).Message);
        Assert.Contains("'t = 2' lies outside", Fails(Heat.Replace("on = \"t = 0\"", "on = \"t = 2\"")).Message);
        Assert.Contains("single letter", Fails(Heat.Replace("x = [0, 1]", "xx = [0, 1]")).Message);
        Assert.Contains("'outputs' is required", Fails(Heat.Replace("outputs = [\"u\"]", "")).Message);
    }

    [Fact]
    public void ParametersAreOverridableAndUnknownOnesRejected()
    {
        var p = ProblemFiles.Parse(Heat, "heat.toml", new Dictionary<string, double> { ["kappa"] = 0.5 });
        Assert.Equal(0.5, p.Parameters["kappa"]);
        var e = Assert.Throws<ArgumentException>(() => ProblemFiles.Parse(Heat, "heat.toml", new Dictionary<string, double> { ["kapa"] = 1 }));
        Assert.Contains("Unknown parameter 'kapa'", e.Message);
    }

    [Fact]
    public void JsonFilesShareTheSchema()
    {
        const string json = """
            { "name": "heat", "outputs": ["u"], "inputs": { "t": [0, 1], "x": [0, 1] }, "parameters": { "kappa": 0.1 },
              "terms": [ { "name": "residual", "kind": "residual", "expr": "u_t - kappa*u_xx" },
                         { "name": "ic", "kind": "initial", "on": "t = 0", "expr": "u - sin(pi*x)" } ] }
            """;
        var p = ProblemFiles.Parse(json, "heat.json");
        Assert.Equal(["residual", "ic"], p.Terms.Select(t => t.Name));
        Assert.Contains("unknown name 'kapa'", Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(json.Replace("kappa*", "kapa*"), "heat.json")).Message);
    }

    private const string HeatJson = """
        {
          "title": "Wärme — heat", "name": "heat",
          "outputs": ["u"],
          "inputs": { "t": [0, 1], "x": [0, 1] },
          "parameters": { "kappa": 0.1 },
          "terms": [
            { "name": "residual", "kind": "residual", "expr": "u_t - kappa*u_xx" },
            { "name": "ic", "kind": "initial", "on": "t = 0", "expr": "u - sin(pi*x)" }
          ]
        }
        """;

    // 1-based (line, column) of the first occurrence of `what` in `text`, counted in characters.
    private static (int, int) PlaceOf(string text, string what)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].IndexOf(what, StringComparison.Ordinal) is var c and >= 0) return (i + 1, c + 1);
        throw new ArgumentException($"'{what}' is not in the text");
    }

    [Fact]
    public void JsonErrorsCarryTheirLineAndColumn()
    {
        Assert.Equal(["residual", "ic"], ProblemFiles.Parse(HeatJson, "heat.json").Terms.Select(t => t.Name));

        // An expression error points at the character inside the string (after a non-ASCII line above it).
        string typo = HeatJson.Replace("kappa*u_xx", "kapa*u_xx");
        var expression = Fails(typo, "heat.json");
        Assert.Equal(PlaceOf(typo, "kapa*"), (expression.Line, expression.Column));
        Assert.StartsWith($"heat.json:{expression.Line}:{expression.Column}: unknown name 'kapa'", expression.Message);

        // Columns count characters, not UTF-8 bytes: "ä" and "—" come before the value on that line.
        string number = HeatJson.Replace("\"name\": \"heat\"", "\"name\": 5");
        var type = Fails(number, "heat.json");
        Assert.Equal(PlaceOf(number, "5,"), (type.Line, type.Column));
        Assert.Contains("'name' must be a string", type.Message);

        string key = HeatJson.Replace("\"kind\": \"initial\"", "\"knd\": \"initial\"");
        var unknown = Fails(key, "heat.json");
        Assert.Equal(PlaceOf(key, "initial"), (unknown.Line, unknown.Column));
        Assert.Contains("unknown key 'terms[1].knd'", unknown.Message);

        string twice = HeatJson.Replace("\"outputs\": [\"u\"],", "\"outputs\": [\"u\"], \"outputs\": [\"v\"],");
        var duplicate = Fails(twice, "heat.json");
        Assert.Equal((3, twice.Split('\n')[2].LastIndexOf("outputs", StringComparison.Ordinal) + 1), (duplicate.Line, duplicate.Column));
        Assert.Contains("duplicate key 'outputs'", duplicate.Message);

        var syntax = Fails(HeatJson.Replace("\"x\": [0, 1] }", "\"x\": [0, 1 }"), "heat.json");
        Assert.Equal(4, syntax.Line);
        Assert.Matches(@"^heat\.json:4:\d+: JSON syntax: ", syntax.Message);
        Assert.DoesNotContain("LineNumber", syntax.Message);

        Assert.Contains("top level must be an object", Fails("[1, 2]", "heat.json").Message);
        Assert.Contains("empty file", Fails("  ", "heat.json").Message);
    }

    [Theory]
    [InlineData("u_tt + alpha*u_xx - f")]
    [InlineData("sin(pi*x)*exp(-t)/(1 + u^2)")]
    [InlineData("-u*(u_x - 2)^3 + sqrt(1 + x^2) - log(2 + cos(u))/tanh(1 + u_t^2)")]
    [InlineData("2^-1*u + u^0.5")]
    public void FormattedExpressionsParseBackToTheSameValues(string text)
    {
        var scope = new ExpressionScope(["t", "x"], ["u"], new Dictionary<string, double> { ["alpha"] = -1.5 });
        scope.Define("f", ExpressionParser.Parse("x*t", scope, default));
        var where = new SourceLocation("test", 1, 1);
        var e = ExpressionParser.Parse(text, scope, where);
        var again = ExpressionParser.Parse(ExprFormatter.Format(e), scope, where);
        var coefficients = new Dictionary<string, double> { ["alpha"] = -1.5 };
        double Field(FieldDerivative f) => 0.7 + 0.1 * f.Derivative.Length;
        double[] point = [0.3, 0.6];
        Assert.Equal(ExprInterpreter.Evaluate(e, point, Field, coefficients, ["t", "x"]), ExprInterpreter.Evaluate(again, point, Field, coefficients, ["t", "x"]), 12);
    }
}
