using PinnServe.Physics.Files;

namespace PinnServe.Training.Tests;

/// <summary>The [training] keys and config checks of the methods in docs/methods.md (NTK weights, RWF, RFF).</summary>
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
    public void The_problem_file_keys_reach_the_config()
    {
        var problem = ProblemFiles.Parse(Base + """

            weighting = "ntk"
            ntk_points = 16
            rwf_std = 0.2
            fourier_features = 12
            fourier_scale = 3.5
            """);
        var c = TrainingConfig.Defaults(problem);
        Assert.Equal("ntk", c.Weighting.Scheme);
        Assert.Equal(16, c.Weighting.NtkPoints);
        Assert.Equal(new Nn.WeightFactorization(1, 0.2), c.Factorization);
        Assert.Equal(new Nn.FourierFeatures(12, 3.5), c.FourierFeatures);
        // A model named on the command line keeps its own weighting; the network settings stay.
        var dn = TrainingConfig.Defaults(problem, "DN");
        Assert.Equal("grad-norm", dn.Weighting.Scheme);
        Assert.NotNull(dn.FourierFeatures);
        // And the config survives config.json.
        var back = TrainingConfig.FromJson(c.ToJson(), "config.json");
        Assert.Equal(c.Factorization, back.Factorization);
        Assert.Equal(c.FourierFeatures, back.FourierFeatures);
        Assert.Equal(16, back.Weighting.NtkPoints);
    }

    [Fact]
    public void Without_the_keys_nothing_changes()
    {
        var c = TrainingConfig.Defaults(ProblemFiles.Parse(Base));
        Assert.Null(c.Factorization);
        Assert.Null(c.FourierFeatures);
        Assert.Equal(Weighting.NtkTraces.DefaultPoints, c.Weighting.NtkPoints);
    }

    [Theory]
    [InlineData("fourier_features = 0", "training.fourier_features", "problem.toml:16:20")]
    [InlineData("fourier_features = 4\nfourier_scale = -1", "training.fourier_scale", "problem.toml:17:17")]
    [InlineData("fourier_scale = 2.0", "needs 'training.fourier_features'", "problem.toml:16:17")]
    [InlineData("rwf_std = 0", "training.rwf_std", "problem.toml:16:11")]
    [InlineData("rwf = false\nrwf_mean = 1", "rwf_mean", "problem.toml:16:7")]
    [InlineData("ntk_points = 0", "training.ntk_points", "problem.toml:16:14")]
    [InlineData("weighting = \"nkt\"", "ntk", "problem.toml:16:14")]
    public void A_bad_value_is_named_with_its_position(string lines, string expected, string position)
    {
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(Base + "\n" + lines));
        Assert.Contains(expected, e.Message);
        Assert.Contains(position, e.Message);
    }

    [Theory]
    [InlineData("network.fourier_features")]
    [InlineData("network.fourier_scale")]
    [InlineData("network.rwf_std")]
    [InlineData("weighting.ntk_points")]
    public void The_config_check_names_the_setting(string setting)
    {
        var c = new TrainingConfig { Problem = "helmholtz" };
        c = setting switch
        {
            "network.fourier_features" => c with { FourierFeatures = new Nn.FourierFeatures(0) },
            "network.fourier_scale" => c with { FourierFeatures = new Nn.FourierFeatures(4, 0) },
            "network.rwf_std" => c with { Factorization = new Nn.WeightFactorization(1, double.NaN) },
            _ => c with { Weighting = c.Weighting with { NtkPoints = 0 } },
        };
        Assert.Equal(setting, Assert.Throws<InvalidSettingException>(c.Validate).Setting);
    }
}
