using PinnServe.Contracts;

namespace PinnServe.Contracts.Tests;

public sealed class FieldDefinitionTests
{
    private static readonly string[] Inputs = ["t", "x"];
    private static readonly string[] Outputs = ["psi", "p"];
    private static readonly FieldDefinition[] Problem = [FieldDefinition.Of("u", 1, "psi", "x"), FieldDefinition.Of("v", -1, "psi", "t")];

    [Theory]
    [InlineData("psi", "1*psi")]
    [InlineData("psi_x", "1*psi_x")]
    [InlineData("psi_xt", "1*psi_xt")]
    [InlineData("p_tt", "1*p_tt")]
    [InlineData("u", "1*psi_x")]
    [InlineData("v_x", "-1*psi_tx")]
    [InlineData("u_xx", "1*psi_xxx")]
    public void Names_resolve_to_derivatives(string name, string expected)
    {
        var field = FieldDefinition.Resolve(name, Inputs, Outputs, Problem);
        Assert.Equal(name, field.Name);
        Assert.Equal(expected, field.Describe());
    }

    [Fact]
    public void Multi_letter_inputs_split_correctly()
    {
        var field = FieldDefinition.Resolve("u_x1x2", ["x1", "x2"], ["u"], []);
        Assert.Equal(["x1", "x2"], field.Terms[0].Derivative);
    }

    [Theory]
    [InlineData("w")]
    [InlineData("psi_z")]
    [InlineData("psi_")]
    public void Unknown_names_are_reported_with_the_choices(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => FieldDefinition.Resolve(name, Inputs, Outputs, Problem));
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains("psi, p, u, v", e.Message);
    }

    [Fact]
    public void Json_list_round_trips()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(Problem, FieldDefinition.JsonOptions));
            var loaded = FieldDefinition.LoadList(path);
            Assert.Equal(Problem.Select(f => f.Describe()), loaded.Select(f => f.Describe()));
            Assert.Contains("\"derivative\"", File.ReadAllText(path));
            Assert.DoesNotContain("quantity", File.ReadAllText(path));
        }
        finally { File.Delete(path); }
    }
}
