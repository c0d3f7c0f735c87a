namespace PinnServe.Training.Tests.Runs;

/// <summary>A run resumed inside the L-BFGS phase continues its curvature history: the same run as one never stopped.</summary>
public class LbfgsResumeTests
{
    [Theory]
    [InlineData("plain", 31)]
    [InlineData("plain", 38)]
    [InlineData("float64", 36)]
    [InlineData("resample", 36)]   // the checkpoint's step starts a new point set
    [InlineData("resample", 39)]
    [InlineData("keep-best", 37)]
    [InlineData("adam-keep-best", 33)]
    public void ResumingInsideTheLbfgsPhaseIsBitForBit(string variant, int stopAt)
    {
        var config = RunFixtures.Poisson(30, lbfgs: 18);
        config = variant switch
        {
            "float64" => config.WithDevice(it => it with { Precision = Precision.Float64 }),
            "resample" => config.WithLbfgs(it => it with { Resample = 6 }),
            "keep-best" => config.WithLbfgs(it => it with { KeepBest = 4 }),
            "adam-keep-best" => config.WithAdam(it => it with { KeepBest = 4 }),
            _ => config,
        };
        string straight = RunFixtures.Train(config);
        string split = RunFixtures.Train(config, stopAt);
        using (var resumed = TrainingRun.Resume(split)) RunFixtures.RunTo(resumed, null);
        RunFixtures.AssertSameOutcome(straight, split);
    }

    [Fact]
    public void ARestartingPhaseDiffersFromAPlainOneSoTheComparisonAboveCanFail()
    {
        var plain = RunFixtures.Poisson(30, lbfgs: 18);
        string a = RunFixtures.Train(plain), b = RunFixtures.Train(plain.WithLbfgs(it => it with { Restart = 5 }));
        Assert.NotEqual(File.ReadAllText(Path.Combine(a, TrainingRun.NetworkFileName)), File.ReadAllText(Path.Combine(b, TrainingRun.NetworkFileName)));
    }
}
