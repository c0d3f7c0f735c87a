using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Training.Weighting;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests;

/// <summary>A library user adds a weighting scheme and an architecture by name, without touching the trainer.</summary>
public class RegistryTests
{
    /// <summary>λ̂ = ‖g_r‖₁ / ‖g_i‖₁ over the selected parameters: a scheme that is not built in.</summary>
    private sealed class L1RatioEstimator(ParameterSelection selection) : IWeightEstimator
    {
        public int Calls;
        public string Name => "l1-ratio";

        public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Calls++;
            double r = 0, t = 0;
            foreach (var p in selection.All)
                for (int i = p.Offset; i < p.Offset + p.Length; i++)
                {
                    r += Math.Abs(double.CreateTruncating(reference[i]));
                    t += Math.Abs(double.CreateTruncating(term[i]));
                }
            return r / t;
        }
    }

    [Fact]
    public void ACustomWeightingSchemeTrainsByName()
    {
        L1RatioEstimator? created = null;
        WeightingSchemes.Register("l1-ratio-test", c => created = new L1RatioEstimator(c.Parameters("all")));
        var problem = ProblemCatalog.Create("poisson-1d");
        var config = TrainingConfig.Defaults(problem) with
        {
            Layers = "2x10", Iterations = 50, Weighting = new WeightingConfig { Scheme = "l1-ratio-test", Interval = 10 },
        };
        config.Validate();
        using var trainer = new Trainer<double>(problem, config);
        for (int i = 0; i < 50; i++) trainer.TrainStep();
        Assert.NotNull(created);
        Assert.Equal(5 * trainer.WeightedTerms.Count, created!.Calls); // every τ = 10 steps, once per weighted term
        Assert.All(trainer.Weights, w => Assert.NotEqual(1.0, w));
        Assert.Contains("l1-ratio-test", Assert.ThrowsAny<ArgumentException>(() => (config with { Weighting = new WeightingConfig { Scheme = "nope" } }).Validate()).Message);
    }

    /// <summary>An architecture of the test's own: an MLP that counts how often it is recorded on a tape.</summary>
    private sealed class CountedMlp<T> : Network<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Mlp<T> _inner;
        public int Applications;

        public CountedMlp(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
            : base(store, inputs, outputs, shape, activation) => _inner = new Mlp<T>(store, inputs, outputs, shape, activation);

        public override string Architecture => "counted-mlp-test";
        public override IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers => _inner.Layers;

        public override JetNode<T> Apply(Tape<T> tape, JetNode<T> input)
        {
            Applications++;
            return _inner.Apply(tape, input);
        }
    }

    private sealed class CountedMlpFactory : INetworkFactory
    {
        public int Built;
        public Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Built++;
            return new CountedMlp<T>(store, inputs, outputs, shape, activation);
        }
    }

    [Fact]
    public void ACustomArchitectureTrainsByName()
    {
        var factory = new CountedMlpFactory();
        Architectures.Register("counted-mlp-test", factory);
        var problem = ProblemCatalog.Create("poisson-1d");
        var config = TrainingConfig.Defaults(problem) with { Layers = "2x10", Iterations = 20, Architecture = "counted-mlp-test" };
        config.Validate();
        using var trainer = new Trainer<double>(problem, config);
        for (int i = 0; i < 20; i++) trainer.TrainStep();
        Assert.Equal(1, factory.Built);
        Assert.True(((CountedMlp<double>)trainer.Network).Applications >= problem.Terms.Count);
        Assert.All(trainer.Losses, l => Assert.True(double.IsFinite(l)));
    }
}
