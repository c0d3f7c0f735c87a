using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Training.Tests;

/// <summary>`Pinn.Train(problem)`: a problem object in, a typed result out; no registration, no run directory needed.</summary>
public sealed class PinnFrontDoorTests
{
    /// <summary>u_xx = −π² sin(πx) on [0, 1], u = 0 at both ends; not in the catalog.</summary>
    private sealed class Sine() : Problem(null)
    {
        public override string Name => "front-door-sine";
        public override string Title => "u_xx = −π² sin(πx)";
        public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double>();
        public override Box Domain { get; } = new(new Axis("x", 0, 1));
        public override string[] Outputs => ["u"];
        public override IReadOnlyList<LossTerm> Terms
        {
            get
            {
                var u = new Field("u");
                var x = new Coordinate("x");
                return [LossTerm.Residual("residual", u.D("xx") + Math.PI * Math.PI * Expr.Sin(Math.PI * x)), LossTerm.Boundary("bc", [new Face("x", 0), new Face("x", 1)], _ => u.Value)];
            }
        }
        public override double[]? Exact(double[] p) => [Math.Sin(Math.PI * p[0])];
        public override TrainingRecipe Defaults => new() { Model = "M1", Network = new() { Layers = "2x16" }, Adam = new() { Iterations = 40 }, Sampling = new() { Batch = 32 } };
    }

    [Fact]
    public void An_unregistered_problem_trains_without_a_run_directory_and_returns_a_typed_result()
    {
        var reports = new List<int>();
        var result = Pinn.Train(new Sine(), progress: new SynchronousProgress(p => reports.Add(p.Step)), progressEvery: 10);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(40, result.Steps);
        Assert.Equal([10, 20, 30, 40], reports);
        Assert.Equal(["residual", "bc"], result.Losses.Keys);
        Assert.Equal(["bc"], result.Weights.Keys);
        Assert.InRange(result.RelativeL2["u"], 0, 10);
        Assert.Equal(["x"], result.Network.Inputs);
        Assert.Throws<ArgumentException>(() => ProblemCatalog.Create("front-door-sine")); // nothing was registered
    }

    [Fact]
    public void The_result_is_the_run_the_engine_would_make_and_cancellation_stops_it()
    {
        var problem = new Sine();
        var config = Recipes.For(problem) with { Seed = 5 };
        var result = Pinn.Train(problem, config);
        using var trainer = TrainerFactory.Create(problem, config);
        while (trainer.Step < config.TotalIterations) trainer.TrainStep();
        Assert.Equal(trainer.ToNetworkFile().ToJson(), result.Network.ToJson());

        using var cancel = new CancellationTokenSource();
        var stopped = Pinn.Train(problem, config, new SynchronousProgress(p => cancel.Cancel()), cancel.Token, progressEvery: 10);
        Assert.Equal((TrainingStatus.Interrupted, 10), (stopped.Status, stopped.Steps));
    }

    private sealed class SynchronousProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
