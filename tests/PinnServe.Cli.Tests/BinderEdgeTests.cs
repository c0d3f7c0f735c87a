namespace PinnServe.Cli.Tests;

/// <summary>How a problem file's [training], its model preset and the command line combine (binder edges of issue 31).</summary>
public class BinderEdgeTests
{
    /// <summary>examples/problems/poisson-1d.toml with <paramref name="training"/> at the top of its [training] table and
    /// <paramref name="tables"/> at the end.</summary>
    private static string ProblemWith(string training, string tables = "")
    {
        string dir = Directory.CreateTempSubdirectory("pinn-binder-").FullName;
        string text = File.ReadAllText(Path.Combine(ServeCommandTests.RepositoryRoot(), "examples", "problems", "poisson-1d.toml"));
        string path = Path.Combine(dir, "p.toml");
        File.WriteAllText(path, text.Replace("[training]\n", "[training]\n" + training + "\n") + "\n" + tables + "\n");
        return path;
    }

    [Fact]
    public void RwfAloneSwitchesTheFactorizationOnAndKeepsTheFilesValues()
    {
        string file = ProblemWith("rwf = true\nrwf_mean = 0.5\nrwf_std = 0.2");
        var rwf = TrainOptions.BuildCommandLine([file, "--rwf"]).Network.Rwf!;
        Assert.Equal((0.5, 0.2), (rwf.Mean, rwf.Std));
        Assert.Equal(0.7, TrainOptions.BuildCommandLine([file, "--rwf-mean", "0.7"]).Network.Rwf!.Mean);
        // Without values of the file's, --rwf gives jaxpi's μ, σ.
        var plain = TrainOptions.BuildCommandLine([ProblemWith(""), "--rwf"]).Network.Rwf!;
        Assert.Equal((1.0, 0.1), (plain.Mean, plain.Std));
    }

    [Fact]
    public void AFilesExplicitWeightingWinsOverItsOwnModelPreset()
    {
        // M2 is annealing with β = 0.9; the file says fixed weights (and another β): the file wins, the model is then custom.
        var fixedOverM2 = TrainOptions.BuildCommandLine([ProblemWith("model = \"M2\"\nweighting = \"fixed\"")]);
        Assert.Equal(("fixed", "custom"), (fixedOverM2.Weighting.Scheme, fixedOverM2.Model));
        var betaOverM2 = TrainOptions.BuildCommandLine([ProblemWith("model = \"M2\"", "[training.weighting]\nbeta = 0.99")]);
        Assert.Equal(("annealing", 0.99), (betaOverM2.Weighting.Scheme, betaOverM2.Weighting.Beta));
        // The preset alone is untouched, and a model named on the command line keeps its own.
        Assert.Equal(("annealing", "M2"), (TrainOptions.BuildCommandLine([ProblemWith("model = \"M2\"")]) is var m2 ? (m2.Weighting.Scheme, m2.Model) : default));
        var named = TrainOptions.BuildCommandLine([ProblemWith("model = \"M2\"\nweighting = \"fixed\""), "--model", "M4"]);
        Assert.Equal(("annealing", "M4"), (named.Weighting.Scheme, named.Model));
        // And on the command line an explicit scheme wins over a preset too.
        Assert.Equal("fixed", TrainOptions.BuildCommandLine(["poisson-1d", "--model", "M2", "--weighting", "fixed"]).Weighting.Scheme);
    }

    [Fact]
    public void AnUnknownWeightingSchemeInAFileIsRefusedAtItsLineAndColumn()
    {
        string file = ProblemWith("weighting = \"anealing\"");
        var e = Assert.Throws<UsageException>(() => TrainOptions.BuildCommandLine([file]));
        Assert.Contains("p.toml:26:14: 'training.weighting' must be", e.Message);
        Assert.Contains("got 'anealing' (weighting.scheme)", e.Message);
        var listed = PinnCli.Run("problems", "--file", file);
        Assert.Equal(2, listed.ExitCode);
        Assert.Contains("p.toml:26:14:", listed.Stderr);
    }
}
