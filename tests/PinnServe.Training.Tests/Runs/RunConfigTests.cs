using PinnServe.Physics.Files;
using PinnServe.Training.Runs;

namespace PinnServe.Training.Tests.Runs;

/// <summary>A damaged config.json: a clear error naming the file (never an absolute path), under resume and under readers.</summary>
public class RunConfigTests
{
    [Theory]
    [InlineData("", "run/config.json is empty")]
    [InlineData("{\"problem\": \"poisson-1d\", \"lay", "run/config.json is not a valid run configuration")]
    [InlineData("\u0001\u0002garbage", "run/config.json is not a valid run configuration")]
    [InlineData("null", "run/config.json")]
    [InlineData("[1, 2]", "run/config.json is not a valid run configuration")]
    public void AnEmptyTruncatedOrGarbledConfigIsNamed(string content, string expected)
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(10));
        File.WriteAllText(Path.Combine(dir, TrainingRun.ConfigFile), content);
        AssertRefused(dir, expected);
    }

    [Theory]
    [InlineData("\"iterations\": 10,", "\"iterations\": -1,", "run/config.json: adam.iterations must be ≥ 0, got -1")]
    [InlineData("\"layers\": \"2x10\"", "\"layers\": \"zz\"", "run/config.json")]
    [InlineData("\"problem\": \"poisson-1d\"", "\"problem\": \"nope\"", "run/config.json")]
    public void ANonsenseValueInTheConfigIsNamed(string from, string to, string expected)
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(10));
        string path = Path.Combine(dir, TrainingRun.ConfigFile);
        string text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to));
        AssertRefused(dir, expected);
    }

    [Fact]
    public void ADamagedCopyOfTheProblemFileIsNamedWithoutTheAbsolutePath()
    {
        string folder = Directory.CreateTempSubdirectory("pinn-rundir-").FullName;
        string file = Path.Combine(folder, "p.toml");
        File.WriteAllText(file, """
            name = "p"
            outputs = ["u"]
            [inputs]
            x = [0, 1]
            [[terms]]
            name = "residual"
            kind = "residual"
            expr = "u_xx + 1"
            [[terms]]
            name = "bc"
            kind = "dirichlet"
            on = ["x = 0", "x = 1"]
            value = "0"
            """);
        var config = Recipes.For(ProblemFiles.Load(file, new Dictionary<string, double>()), "M1").WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = 5 }).WithSampling(it => it with { Batch = 8 }).WithLogging(it => it with { EvaluationGrid = 10 }) with { ProblemFile = file };
        string dir = RunFixtures.Train(config);
        File.WriteAllText(Path.Combine(dir, "problem.toml"), "name = \"p\"\noutputs = [\"u\"\n[inputs");
        var e = AssertRefused(dir, "problem.toml");
        Assert.Contains("run/", e.Message);
    }

    private static RunDataException AssertRefused(string dir, string expected)
    {
        var resume = Assert.Throws<RunDataException>(() => TrainingRun.Resume(dir));
        Assert.Contains(expected, resume.Message);
        Assert.DoesNotContain(Path.GetTempPath(), resume.Message);
        Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)));
        var read = Assert.Throws<RunDataException>(() => RunReader.OpenCheckpoint(dir));
        Assert.Contains(expected, read.Message);
        Assert.DoesNotContain(Path.GetTempPath(), read.Message);
        return resume;
    }
}
