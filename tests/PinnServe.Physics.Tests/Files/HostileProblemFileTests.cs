using System.Text;
using PinnServe.Physics.Files;

namespace PinnServe.Physics.Tests.Files;

/// <summary>Issue 32: problem files that crashed, hung or were read silently wrong are refused with their place.</summary>
public class HostileProblemFileTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private const string YamlHeat = """
        name: heat
        outputs: [u]
        inputs: { t: [0, 1], x: [0, 1] }
        parameters: { kappa: 0.1 }
        terms:
          - { name: residual, kind: residual, expr: u_t - kappa*u_xx }
          - { name: ic, kind: initial, on: "t = 0", expr: u - sin(pi*x) }

        """;

    [Fact]
    public void The_plain_problems_load()
    {
        Assert.Equal(2, Problems.Parse(Problems.Heat).Terms.Count);
        Assert.Equal(2, Problems.Parse(YamlHeat, "p.yaml").Terms.Count);
    }

    // ---- YAML ----

    [Fact]
    public void A_self_referencing_yaml_alias_is_refused()
    {
        var e = Problems.Refused(YamlHeat + "junk: &a [*a]\n", "p.yaml");
        Assert.Contains("*a", e.Message);
        Assert.Equal(8, e.Line);
    }

    [Fact]
    public void A_billion_laughs_yaml_is_refused()
    {
        var text = new StringBuilder(YamlHeat);
        text.Append("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 9; i++)
            text.Append($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 9))}]\n");
        var e = Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () => Problems.Parse(text.ToString(), "p.yaml")));
        Assert.Contains("100,000", e.Message);
    }

    [Fact]
    public void Deep_yaml_nesting_is_refused()
    {
        var e = Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () =>
            Problems.Parse(YamlHeat + "junk: " + new string('[', 100_000) + new string(']', 100_000) + "\n", "p.yaml")));
        Assert.Contains("nesting", e.Message);
    }

    [Fact]
    public void A_harmless_yaml_alias_still_works()
    {
        var p = Problems.Parse(YamlHeat.Replace("inputs: { t: [0, 1], x: [0, 1] }", "inputs: { t: &unit [0, 1], x: *unit }"), "p.yaml");
        Assert.Equal(1, p.Domain.Axes[1].Max);
    }

    // ---- TOML and JSON structure ----

    [Fact]
    public void A_duplicate_toml_key_is_refused()
    {
        var e = Problems.Refused(Problems.HeatWith(parameters: "kappa = 0.2"));
        Assert.Contains("kappa", e.Message);
        Assert.True(e.Line > 0);
    }

    [Fact]
    public void Deep_toml_and_json_nesting_is_refused()
    {
        Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () =>
            Problems.Parse(Problems.HeatWith(after: "[junk]\na = " + new string('[', 100_000) + new string(']', 100_000)))));
        Assert.Throws<ProblemFileException>(() => Problems.Within(Generous, () =>
            Problems.Parse("{\"name\": " + new string('[', 100_000) + new string(']', 100_000) + "}", "p.json")));
    }

    // ---- NaN and infinity ----

    [Theory]
    [InlineData("p.toml", "nan")]
    [InlineData("p.toml", "inf")]
    [InlineData("p.toml", "-inf")]
    [InlineData("p.toml", "1e400")]
    [InlineData("p.yaml", ".nan")]
    [InlineData("p.yaml", ".inf")]
    [InlineData("p.yaml", "1e400")]
    [InlineData("p.json", "1e400")]
    public void A_non_finite_parameter_is_refused_with_its_place(string file, string value)
    {
        string text = Path.GetExtension(file) switch
        {
            ".toml" => Problems.Heat.Replace("kappa = 0.1", $"kappa = {value}"),
            ".yaml" => YamlHeat.Replace("kappa: 0.1", $"kappa: {value}"),
            _ => """{"name": "heat", "outputs": ["u"], "inputs": {"t": [0, 1], "x": [0, 1]}, "parameters": {"kappa": VALUE},""".Replace("VALUE", value) +
                 """ "terms": [{"name": "residual", "expr": "u_t - kappa*u_xx"}]}""",
        };
        var e = Problems.Refused(text, file);
        Assert.Contains("kappa", e.Message);
        Assert.True(e.Line > 0, e.Message);
    }

    [Fact]
    public void An_infinite_input_range_is_refused()
    {
        var e = Problems.Refused(Problems.Heat.Replace("x = [0, 1]", "x = [0, inf]"));
        Assert.Contains("finite", e.Message);
        Assert.Equal(5, e.Line);
    }

    [Fact]
    public void A_face_at_nan_is_refused()
    {
        var e = Problems.Refused(Problems.Heat.Replace("on = \"t = 0\"", "on = \"t = nan\""));
        Assert.Contains("t = nan", e.Message);
    }

    // ---- names ----

    [Fact]
    public void A_parameter_named_like_an_output_is_refused()
    {
        var e = Problems.Refused(Problems.HeatWith(parameters: "u = 3"));
        Assert.Contains("parameter 'u' is named like an output", e.Message);
        Assert.Equal(8, e.Line);
    }

    [Fact]
    public void A_parameter_named_like_an_input_is_refused() =>
        Assert.Contains("named like an input", Problems.Refused(Problems.HeatWith(parameters: "x = 3")).Message);

    [Theory]
    [InlineData("res,idual")]
    [InlineData("res\\nidual")]
    [InlineData("res idual")]
    [InlineData("rés")]
    [InlineData("")]
    public void A_term_name_that_would_break_metrics_csv_is_refused(string name)
    {
        var e = Problems.Refused(Problems.Heat.Replace("name = \"residual\"", $"name = \"{name}\""));
        Assert.Contains("term name", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    // ---- references and derivatives ----

    [Fact]
    public void A_missing_reference_file_is_refused_even_with_an_exact_solution()
    {
        var e = Problems.Refused(Problems.HeatWith(after: "[exact]\nu = \"exp(-t)*sin(pi*x)\"\n[reference]\nfile = \"missing.npz\""));
        Assert.Contains("missing.npz", e.Message);
        Assert.True(e.Line > 0);
    }

    [Theory]
    [InlineData("u_xxxx")]
    [InlineData("u_ttxx")]
    public void A_derivative_of_order_four_is_refused_when_the_file_is_read(string derivative)
    {
        var e = Problems.Refused(Problems.HeatWith(residual: $"u_t - {derivative}"));
        Assert.Contains("order 4", e.Message);
        Assert.Contains("up to order 3", e.Message);
    }

    [Fact]
    public void A_neumann_condition_on_a_third_derivative_is_refused()
    {
        var e = Problems.Refused(Problems.HeatWith(after: "[[terms]]\nname = \"wall\"\nkind = \"neumann\"\non = \"x = 0\"\nfield = \"u_xxx\""));
        Assert.Contains("order 4", e.Message);
    }
}
