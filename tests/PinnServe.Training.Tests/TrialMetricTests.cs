using System.Text.Json.Nodes;
using PinnServe.Training.Reproduction;

namespace PinnServe.Training.Tests;

public class TrialMetricTests
{
    [Fact]
    public void EveryExperimentsMetricParses()
    {
        foreach (var experiment in ExperimentCatalog.All)
            Assert.False(string.IsNullOrEmpty(TrialMetric.Parse(experiment.Metric).Label), experiment.Id);
    }

    [Theory]
    [InlineData("rmse")]
    [InlineData("learned:")]
    [InlineData("hessian")]
    public void UnknownMetricsAreNamed(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => TrialMetric.Parse(id));
        Assert.Contains($"'{id}'", e.Message);
    }

    [Fact]
    public void ReadsSummaryKeysLearnedCoefficientsAndHessianColumns()
    {
        var summary = JsonNode.Parse("""
            { "rel_l2": 0.5, "rel_l2_velocity_magnitude": 0.25, "learned": { "nu": { "value": 1.02, "truth": 1.0, "relative_error": 0.02 } } }
            """)!.AsObject();
        string dir = Directory.CreateTempSubdirectory("pinn-metric-").FullName;
        File.WriteAllText(Path.Combine(dir, "hessian.csv"), "step,L,L_r\n0,100,1\n10,4,2\n20,6,x\n");
        Assert.Equal(0.5, TrialMetric.Parse("rel_l2").Read(summary, dir));
        Assert.Equal(0.25, TrialMetric.Parse("rel_l2_velocity_magnitude").Read(summary, dir));
        Assert.Equal(0.02, TrialMetric.Parse("learned:nu").Read(summary, dir));
        Assert.Null(TrialMetric.Parse("learned:k").Read(summary, dir));
        Assert.Equal(5.0, TrialMetric.Parse("hessian:L").Read(summary, dir)); // step 0 left out
        Assert.Equal(2.0, TrialMetric.Parse("hessian:L_r").Read(summary, dir)); // unparsable cells skipped
        Assert.Equal("rel. error of nu", TrialMetric.Parse("learned:nu").Label);
        Assert.Throws<InvalidDataException>(() => TrialMetric.Parse("hessian:L_b").Read(summary, dir));
    }
}
