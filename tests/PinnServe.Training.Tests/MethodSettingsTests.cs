using PinnServe.Physics.Files;

namespace PinnServe.Training.Tests;

/// <summary>The settings of the methods in docs/methods.md (NTK weights, RWF, RFF): problem-file keys, checks, config.json.</summary>
public class MethodSettingsTests
{
    private const string Base = """
        name = "ode"
        outputs = ["u"]
        [inputs]
        x = [0, 1]
        [[terms]]
        name = "residual"
        kind = "residual"
        expr = "u_x - 1"
        [[terms]]
        name = "bc"
        kind = "dirichlet"
        on = ["x = 0"]
        value = "0"
        [training]
        layers = "2x8"
        """;

    [Fact]
    public void The_problem_file_keys_reach_the_recipe()
    {
        var problem = ProblemFiles.Parse(Base + """

            weighting = "ntk"
            ntk_points = 16
            rwf_std = 0.2
            fourier_features = 12
            fourier_scale = 3.5
            """);
        var c = Recipes.For(problem);
        Assert.Equal("ntk", c.Weighting.Scheme);
        Assert.Equal("custom", c.Model);
        Assert.Equal(16, c.Weighting.NtkPoints);
        Assert.Equal(new RwfRecipe { Mean = 1, Std = 0.2 }, c.Network.Rwf);
        Assert.Equal(new FourierFeaturesRecipe { Count = 12, Scale = 3.5 }, c.Network.FourierFeatures);
        // A model named on the command line keeps its own weighting; the network settings stay.
        var dn = Recipes.For(problem, "DN");
        Assert.Equal("grad-norm", dn.Weighting.Scheme);
        Assert.NotNull(dn.Network.FourierFeatures);
        // And the recipe survives config.json.
        var back = TrainingRecipe.FromJson(c.ToJson(), "config.json");
        Assert.Equal(c.Network.Rwf, back.Network.Rwf);
        Assert.Equal(c.Network.FourierFeatures, back.Network.FourierFeatures);
        Assert.Equal(16, back.Weighting.NtkPoints);
    }

    [Fact]
    public void The_grouped_forms_bind_the_same_settings()
    {
        var problem = ProblemFiles.Parse(Base + """

            [training.network]
            rwf = { mean = 0.5, std = 0.2 }
            fourier_features = { count = 12, scale = 3.5 }
            [training.weighting]
            ntk_points = 16
            """);
        var c = Recipes.For(problem);
        Assert.Equal(new RwfRecipe { Mean = 0.5, Std = 0.2 }, c.Network.Rwf);
        Assert.Equal(new FourierFeaturesRecipe { Count = 12, Scale = 3.5 }, c.Network.FourierFeatures);
        Assert.Equal(16, c.Weighting.NtkPoints);
    }

    [Fact]
    public void The_rwf_switch_takes_jaxpis_values_and_its_tuning_in_any_order()
    {
        var on = Recipes.For(ProblemFiles.Parse(Base + "\nrwf = true"));
        Assert.Equal(new RwfRecipe { Mean = 1, Std = 0.1 }, on.Network.Rwf);
        var tuned = Recipes.For(ProblemFiles.Parse(Base + "\nrwf_mean = 0.5\nrwf = true"));
        Assert.Equal(new RwfRecipe { Mean = 0.5, Std = 0.1 }, tuned.Network.Rwf);
    }

    [Fact]
    public void Without_the_keys_nothing_changes()
    {
        var c = Recipes.For(ProblemFiles.Parse(Base));
        Assert.Null(c.Network.Rwf);
        Assert.Null(c.Network.FourierFeatures);
        Assert.Equal("M1", c.Model);
        Assert.Equal(Weighting.NtkTraces.DefaultPoints, c.Weighting.NtkPoints);
    }

    [Theory]
    [InlineData("fourier_features = 0", "network.fourier_features.count", "problem.toml:16:20")]
    [InlineData("fourier_features = 4\nfourier_scale = -1", "network.fourier_features.scale", "problem.toml:17:17")]
    [InlineData("fourier_scale = 2.0", "network.fourier_features.count", "problem.toml:16:17")]
    [InlineData("rwf_std = 0", "network.rwf.std", "problem.toml:16:11")]
    [InlineData("rwf = false\nrwf_mean = 1", "rwf_mean", "problem.toml:16:7")]
    [InlineData("ntk_points = 0", "weighting.ntk_points", "problem.toml:16:14")]
    public void A_bad_value_is_named_with_its_position(string lines, string expected, string position)
    {
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(Base + "\n" + lines));
        Assert.Contains(expected, e.Message);
        Assert.Contains(position, e.Message);
    }

    [Fact]
    public void An_unknown_scheme_in_a_problem_file_is_named_by_its_setting()
    {
        // Schemes are a registry of the training library, which registers their names (SettingNames) when it is used:
        // the file's reader then refuses an unknown one at its line and column, not only the recipe check at training.
        _ = Recipes.For(PinnServe.Physics.ProblemCatalog.Create("poisson-1d"));
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(Base + "\nweighting = \"nkt\""));
        Assert.True(e.Line > 0);
        Assert.Contains("(weighting.scheme)", e.Message);
        Assert.Contains("ntk", e.Message);
    }

    [Theory]
    [InlineData("network.fourier_features.count")]
    [InlineData("network.fourier_features.scale")]
    [InlineData("network.fourier_features")]
    [InlineData("network.rwf.std")]
    [InlineData("network.rwf.mean")]
    [InlineData("weighting.ntk_points")]
    public void The_recipe_check_names_the_setting(string setting)
    {
        var c = new TrainingRecipe { Problem = "helmholtz" };
        c = setting switch
        {
            "network.fourier_features.count" => c.WithNetwork(n => n with { FourierFeatures = new() { Count = 5000 } }),
            "network.fourier_features.scale" => c.WithNetwork(n => n with { FourierFeatures = new() { Count = 4, Scale = 0 } }),
            "network.fourier_features" => c.WithNetwork(n => n with { FourierFeatures = new() { Count = 4 }, PeriodicInputs = ["x"] }),
            "network.rwf.std" => c.WithNetwork(n => n with { Rwf = new() { Std = double.NaN } }),
            "network.rwf.mean" => c.WithNetwork(n => n with { Rwf = new() { Mean = double.PositiveInfinity } }),
            _ => c.WithWeighting(w => w with { NtkPoints = 0 }),
        };
        Assert.Equal(setting, Assert.Throws<InvalidSettingException>(c.Validate).Setting);
    }

    [Fact]
    public void The_binder_sets_them_by_path()
    {
        var c = RecipeBinder.Apply(new TrainingRecipe(), [
            new SettingValue("network.rwf.std", 0.3), new SettingValue("network.fourier_features.count", 8), new SettingValue("weighting.ntk_points", 4)]);
        Assert.Equal(new RwfRecipe { Mean = 1, Std = 0.3 }, c.Network.Rwf);
        Assert.Equal(new FourierFeaturesRecipe { Count = 8, Scale = 1 }, c.Network.FourierFeatures);
        Assert.Equal(4, c.Weighting.NtkPoints);
    }
}
