using PinnServe.Physics;

namespace PinnServe.Training.Tests.Settings;

/// <summary>ITrainer lists its phases and callbacks with typed statuses instead of one property per feature.</summary>
public class TrainerFeatureTests
{
    [Fact]
    public void Keep_best_and_causal_weights_report_typed_statuses_and_their_metrics_columns()
    {
        var problem = ProblemCatalog.Create("allen-cahn");
        var recipe = Recipes.For(problem, "DN").WithNetwork(n => n with { Layers = "1x4" })
            .WithSampling(s => s with { ResidualPoints = 64, ResidualBatch = 32, ConditionPoints = 16, TermPoints = new() })
            .WithAdam(a => a with { Iterations = 6, KeepBest = 3 }).WithCausal(c => c with { Chunks = 4 })
            .WithDevice(d => d with { Precision = Precision.Float64 });
        using var trainer = (Trainer<double>)TrainerFactory.Create(problem, recipe);
        ITrainer t = trainer;
        Assert.Equal(["adam_heldout_loss", "causal_min_weight", "causal_unweighted_residual_loss"], t.Features.SelectMany(f => f.MetricColumns));
        Assert.Null(t.HeldOut("adam"));
        for (int i = 0; i < 6; i++) t.TrainStep();
        Assert.Equal(trainer.AdamHeldOut, t.HeldOut("adam"));
        Assert.Equal(new CausalStatus(trainer.CausalMinWeight!.Value, trainer.CausalUnweightedResidualLoss!.Value), t.Status<CausalStatus>());
        Assert.Equal(["adam_keep_best", "causal_min_weight", "causal_unweighted_residual_loss"],
            t.Statuses().SelectMany(s => s.SummaryEntries()).Select(e => e.Key));
        Assert.Null(t.Status<LbfgsStallStatus>());
    }
}
