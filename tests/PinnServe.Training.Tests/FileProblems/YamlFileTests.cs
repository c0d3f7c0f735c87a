using PinnServe.Physics;
using PinnServe.Physics.Files;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>YAML problem files: the TOML schema in YAML syntax, with lines and columns in errors.</summary>
public class YamlFileTests
{
    private const string Heat = """
        name: heat
        outputs: [u]
        inputs:
          t: [0, 1]
          x: [0, 1]
        parameters:
          kappa: 0.1
        terms:
          - name: residual
            kind: residual
            expr: u_t - kappa*u_xx
          - name: ic
            kind: initial
            on: "t = 0"
            expr: "u - sin(pi*x)"
        training:
          layers: 2x8
          full_batch: true
          term_points: { ic: 50 }
        """;

    private static ProblemFileException Fails(string text) => Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(text, "heat.yaml"));

    [Fact]
    public void TheYamlExampleTrainsExactlyLikeItsTomlFile()
    {
        var toml = ProblemFiles.Load(Repository.Example("poisson-hole.toml"));
        var yaml = ProblemFiles.Load(Repository.Example("poisson-hole.yaml"));
        Assert.Equal(toml.Name, yaml.Name);
        Assert.Equal(toml.Title, yaml.Title);
        Assert.Equal(toml.Domain.Names, yaml.Domain.Names);
        Assert.Equal(toml.Terms.Select(t => (t.Name, t.Role)), yaml.Terms.Select(t => (t.Name, t.Role)));
        var config = Recipes.For(toml).WithDevice(it => it with { Precision = Precision.Float64 }).WithAdam(it => it with { Iterations = 20 });
        Assert.Equal(config.ToJson(), (Recipes.For(yaml).WithDevice(it => it with { Precision = Precision.Float64 }).WithAdam(it => it with { Iterations = 20 })).ToJson());
        // Same geometry, point sets and expressions: the same losses step by step (seeded sampling included).
        using var a = new Trainer<double>(toml, config);
        using var b = new Trainer<double>(yaml, config);
        for (int step = 0; step < 20; step++)
        {
            a.TrainStep();
            b.TrainStep();
            Assert.Equal(a.Losses, b.Losses);
        }
    }

    [Fact]
    public void PlainScalarsFollowTheCoreSchemaAndQuotedOnesStayStrings()
    {
        var p = ProblemFiles.Parse(Heat, "heat.yaml");
        Assert.Equal(["t", "x"], p.Domain.Names);
        Assert.Equal(0.1, p.Parameters["kappa"]);
        Assert.Equal(["residual", "ic"], p.Terms.Select(t => t.Name));
        Assert.Equal(TermRole.Initial, p.Terms[1].Role);
        var c = Recipes.For(p);
        Assert.True(c.Sampling.FullBatch);
        Assert.Equal("2x8", c.Network.Layers);
        Assert.Equal(50, c.Sampling.TermPoints["ic"]);
        // A quoted number is a string, where the schema wants a number.
        Assert.Contains("'parameters.kappa' must be a number", Fails(Heat.Replace("kappa: 0.1", "kappa: \"0.1\"")).Message);
    }

    [Fact]
    public void ExpressionErrorsPointAtTheCharacterPlainOrQuoted()
    {
        var plain = Fails(Heat.Replace("u_t - kappa*u_xx", "u_t - kapa*u_xx"));
        Assert.Equal((11, 17), (plain.Line, plain.Column)); // "    expr: u_t - kapa": the k of kapa
        Assert.StartsWith("heat.yaml:11:17: unknown name 'kapa'", plain.Message);
        var quoted = Fails(Heat.Replace("u - sin(pi*x)", "u - sinh(x)"));
        Assert.Equal((15, 16), (quoted.Line, quoted.Column)); // "    expr: \"u - sinh": the s of sinh
        Assert.Contains("unknown function 'sinh'", quoted.Message);
        // A block scalar: the expression sits on the lines below `expr: |`.
        var block = Fails(Heat.Replace("expr: u_t - kappa*u_xx", "expr: |\n      u_t - kapa*u_xx"));
        Assert.Equal((12, 13), (block.Line, block.Column)); // "      u_t - kapa": the k of kapa
    }

    [Fact]
    public void SyntaxAndSchemaErrorsCarryTheirPlace()
    {
        var e = Fails(Heat.Replace("  x: [0, 1]", "  x: [0, 1"));
        Assert.True(e.Line >= 5, e.Message);
        Assert.True(e.Column > 0, e.Message);
        Assert.Contains("YAML syntax", e.Message);
        Assert.Matches(@"^heat\.yaml:\d+:\d+: YAML syntax: ", e.Message);
        var tab = Fails(Heat.Replace("  kappa: 0.1", "\tkappa: 0.1"));
        Assert.True(tab.Line == 7, tab.Message);
        Assert.Contains("YAML syntax", tab.Message);

        var key = Fails(Heat.Replace("    kind: initial", "    knd: initial"));
        Assert.Equal((13, 10), (key.Line, key.Column));
        Assert.Contains("unknown key 'terms[1].knd'", key.Message);
        var duplicate = Fails(Heat.Replace("outputs: [u]", "outputs: [u]\noutputs: [v]"));
        Assert.Equal(3, duplicate.Line);
        Assert.Contains("duplicate key", duplicate.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("one YAML document", Fails(Heat + "\n---\nname: other\n").Message);
        Assert.Contains("top level must be a mapping", Fails("- name: heat\n").Message);
    }
}
