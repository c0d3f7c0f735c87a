using System.Text.Json.Nodes;
using PinnServe.Physics.Files;
using PinnServe.Training.Reproduction;

namespace PinnServe.Training.Tests;

/// <summary>Tables as data files (experiments/*.toml): read with file:line:column errors, bound by setting path.</summary>
public class ExperimentFileTests
{
    private const string Table = """
        id = "my-table"
        title = "Poisson 1D, two budgets"
        source = "a test"
        problem = "poisson-1d"

        [[rows]]
        label = "short"
        model = "M1"
        parameters = { C = 2 }
        settings = { "adam.iterations" = 20, weighting = { beta = 0.5 } }
        published = 1.5e-3
        published_seconds = 12.0

        [[rows]]
        label = "long"
        problem = "helmholtz"
        settings = { "network.layers" = "2x8" }
        """;

    [Fact]
    public void ATableFileGivesRowsOfSettingsByPath()
    {
        var e = ExperimentFile.Parse(Table, "my-table.toml", directory: null);
        Assert.Equal(("my-table", "Poisson 1D, two budgets", "a test", "rel_l2"), (e.Id, e.Title, e.Source, e.Metric));
        Assert.Equal(["short", "long"], e.Rows.Select(r => r.Label));
        var row = e.Rows[0];
        Assert.Equal(("poisson-1d", "M1", 1.5e-3, 12.0), (row.Problem, row.Overrides.Model, row.Published!.Value, row.PublishedSeconds!.Value));
        Assert.Equal(["adam.iterations", "weighting.beta"], row.Overrides.Settings.Select(s => s.Path));
        Assert.Equal("my-table.toml:10:34", row.Overrides.Settings[0].Origin);
        Assert.Equal("helmholtz", e.Rows[1].Problem);
        var recipe = ExperimentTrials.Recipe(row, RecipeOverrides.None, seed: 7);
        Assert.Equal((20, 0.5, 7UL, 2.0, "M1"), (recipe.Adam.Iterations, recipe.Weighting.Beta, recipe.Seed, recipe.Parameters["C"], recipe.Model));
    }

    [Theory]
    [InlineData("settings = { \"adam.learning_rat\" = 0.1 }", "my-table.toml:4:36: 'adam.learning_rat' is not a setting")]
    [InlineData("model = \"M9\"", "my-table.toml:4:10: 'rows[0].model' must be one of M1")]
    [InlineData("colour = 1", "my-table.toml:4:10: unknown key 'rows[0].colour'")]
    [InlineData("problem = \"nope\"", "my-table.toml:4:12: 'nope' is neither a catalog problem")]
    public void MistakesAreRefusedAtTheirFileLineAndColumn(string line, string expected)
    {
        string text = $"id = \"my-table\"\ntitle = \"T\"\n[[rows]]\n{line}\nlabel = \"a\"\nproblem = \"poisson-1d\"\n";
        if (line.StartsWith("problem", StringComparison.Ordinal)) text = text.Replace("problem = \"poisson-1d\"\n", "");
        var error = Assert.Throws<ProblemFileException>(() => ExperimentFile.Parse(text, "my-table.toml", null));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void AValueOfTheWrongTypeNamesItsPathAndPlaceWhenTheRowIsBound()
    {
        var e = ExperimentFile.Parse("id = \"t\"\ntitle = \"T\"\n[[rows]]\nlabel = \"a\"\nproblem = \"poisson-1d\"\nsettings = { \"adam.iterations\" = -3 }\n", "t.toml", null);
        var error = Assert.Throws<InvalidSettingException>(() => ExperimentTrials.Recipe(e.Rows[0], RecipeOverrides.None, 1));
        Assert.Equal("adam.iterations", error.Setting);
        Assert.StartsWith("t.toml:6:34: adam.iterations", error.Message);
    }

    [Fact]
    public void TwoLabelsWithOneRunFolderAreRefused()
    {
        string text = "id = \"t\"\ntitle = \"T\"\nproblem = \"poisson-1d\"\n[[rows]]\nlabel = \"a b\"\n[[rows]]\nlabel = \"a-b\"\n";
        Assert.Contains("would share the run folder 'a-b'", Assert.Throws<ProblemFileException>(() => ExperimentFile.Parse(text, "t.toml", null)).Message);
    }

    [Fact]
    public void TheCatalogIsTheEmbeddedDataFilesInTheirOrder()
    {
        Assert.Equal(["kg-table5", "helmholtz-table3", "poisson1d-table1", "poisson2d-table2", "helmholtz-table4", "burgers-table1", "allen-cahn-table3",
            "allen-cahn-causal", "dn-lp-table4", "burgers-inverse", "stiffness-fig4", "stiffness-fig10", "cavity-m1-m4", "cavity-choices", "cavity-recipe"],
            ExperimentCatalog.All.Select(e => e.Id));
        var row = ExperimentCatalog.Find("poisson2d-table2").Rows.Single(r => r.Label == "DN β=0.99");
        Assert.Equal("""{"problem":"poisson-2d","model":"DN","settings":{"weighting.beta":0.99}}""", row.RecipeJson().ToJsonString());
        Assert.Equal((1.11e-3, 297.92), (row.Published!.Value, row.PublishedSeconds!.Value));
        Assert.Equal("hessian:L", ExperimentCatalog.Find("stiffness-fig4").Metric);
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => ExperimentCatalog.Find("nope")).Message);
    }

    [Fact]
    public void LaterOverridesWinAndNameMapsAndParametersAddUp()
    {
        var row = new RecipeOverrides
        {
            Model = "DN", Parameters = new Dictionary<string, double> { ["C"] = 2 },
            Settings = [new("adam.iterations", 40000), new("data.learn", new JsonObject { ["nu"] = 0.01 })],
        };
        var extra = new RecipeOverrides
        {
            Parameters = new Dictionary<string, double> { ["k"] = 3 },
            Settings = [new("adam.iterations", 20), new("data.learn", new JsonObject { ["mu"] = 0.5 })],
        };
        var both = row.Then(extra);
        Assert.Equal("DN", both.Model);
        Assert.Equal(new Dictionary<string, double> { ["C"] = 2, ["k"] = 3 }, both.Parameters);
        Assert.Equal("""{"model":"DN","parameters":{"C":2,"k":3},"settings":{"adam.iterations":20,"data.learn":{"nu":0.01,"mu":0.5}}}""", both.ToJson().ToJsonString());
    }

    [Fact]
    public void ARowsTrialFileTrainsExactlyTheRowsRecipe()
    {
        var e = ExperimentCatalog.Find("burgers-inverse");
        var row = e.Rows.Single(r => r.Label == "noise 1% + 5000 L-BFGS");
        var trial = ExperimentTrials.Trial(e, row, RecipeOverrides.None, 3, ExperimentTrials.RunDirectory(row, 3));
        Assert.Equal(("burgers-inverse/noise 1% + 5000 L-BFGS/seed-3", $"{Reproducer.Slug(row.Label)}/seed-3"), (trial.Name, trial.RunDir));
        var bound = trial.Bind(trial.CreateProblem(Directory.GetCurrentDirectory()));
        Assert.Empty(ExperimentTrials.Differences(ExperimentTrials.Comparable(bound), ExperimentTrials.Comparable(ExperimentTrials.Recipe(row, RecipeOverrides.None, 3))));
        Assert.Equal((5000, 3UL, 0.01), (bound.Lbfgs.Iterations, bound.Seed, bound.Data.Noise));
    }
}
