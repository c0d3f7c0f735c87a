using System.Numerics.Tensors;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Engine.Backends;
using PinnServe.Engine.Compilation;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Engine.Tests.Backends;

/// <summary>The CPU backend's step (<see cref="HostStepExecutor{T}"/>) is the host arithmetic the trainer always did, and moves nothing.</summary>
public class StepExecutorTests
{
    private static readonly Box Domain = new(new Axis("x", -1, 1), new Axis("y", 0, 2));

    /// <summary>A residual and a boundary term (weighted) on one 2x8 network, 30 points each in 7-point shards.</summary>
    private static (CompiledTerm<double>[] Residuals, CompiledTerm<double>[] Weighted, ParameterStore<double> Store) Compile()
    {
        var store = new ParameterStore<double>();
        var net = Network<double>.Create(NetworkFile.MlpArchitecture, store, 2, 1, NetworkShape.Parse("2x8"), TanhActivation.Instance);
        net.InitializeGlorotNormal(new Rng(3));
        var compiler = new TermCompiler<double>(net, Domain, ["u"], [0, 1], [1, 1], new Dictionary<string, double>()) { SlicePoints = 7 };
        var u = new Field("u");
        var residual = compiler.Compile(LossTerm.Residual("pde", u.D("xx") + u.D("yy") - Expr.Sin(new Coordinate("x"))), _ => SamplingPlan.Fixed(30));
        var boundary = compiler.Compile(LossTerm.Residual("edge", u - Expr.Sin(new Coordinate("y"))), _ => SamplingPlan.Fixed(30));
        var rng = new Rng(11);
        residual.Prime(rng);
        boundary.Prime(rng);
        return ([residual], [boundary], store);
    }

    [Fact]
    public void TheCpuStepIsTheHostCombinationAndAdamBitForBit()
    {
        var (residuals, weighted, store) = Compile();
        var adam = new Adam<double>(store.Count, new ConstantLearningRate(1e-2));
        using var step = ((IComputeBackend)CpuBackend.Instance).CreateStepExecutor(new StepTerms<double>(residuals, weighted, -1, adam), 2);
        Assert.IsType<HostStepExecutor<double>>(step);
        Assert.True(step.GradientsOnHost);

        var losses = new double[2];
        step.Evaluate(losses);
        Assert.Equal(new[] { residuals[0].Loss, weighted[0].Loss }, losses);
        Assert.True(step.HostReferenceGradient().SequenceEqual(residuals[0].Gradient), "the reference is Σ∇L_r (one residual here)");

        // Statistics are read between Evaluate and Update (Update adds the λ terms to the combined gradient).
        var reference = new BlockStatistics[store.Infos.Count];
        var terms = new[] { new BlockStatistics[store.Infos.Count] };
        step.Statistics(reference, terms);
        var firstBlock = store.Infos[0];
        var g = residuals[0].Gradient.AsSpan(firstBlock.Offset, firstBlock.Length);
        Assert.Equal(g.ToArray().Max(Math.Abs), reference[0].MaxAbs);
        Assert.Equal(firstBlock.Length, terms[0][0].Count);

        // The expected update: ∇ = ∇L_r + 0.3·∇L_b, then Adam on a copy of θ.
        var gradient = residuals[0].Gradient.ToArray();
        TensorPrimitives.MultiplyAdd(weighted[0].Gradient, 0.3, gradient, gradient);
        var theta = store.Values.ToArray();
        new Adam<double>(store.Count, new ConstantLearningRate(1e-2)).Update(theta, gradient);
        step.Update([0.3]);
        Assert.Equal(theta, store.Values);
        Assert.Equal(1, adam.Step);
        Assert.NotEqual(0.0, gradient[0]);

        Assert.Equal(0, step.ParameterTransfers);
    }

    [Fact]
    public void BlockStatisticsOfKnownValues()
    {
        var s = BlockStatistics.Of<double>([3, -4, 0.5]);
        Assert.Equal(new BlockStatistics(4, 7.5, -0.5, 25.25, 3), s);
        Assert.True(double.IsNaN(BlockStatistics.Of<float>([1f, float.NaN, 2f]).MaxAbs), "a NaN entry must show in max|g|");
    }
}
