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

/// <summary>
/// The CPU backend runs compiled terms without a trainer: its result must not depend on the thread count (shards
/// are reduced in a fixed order), and must equal the term's own single-tape pass up to summation order.
/// </summary>
public class CpuBackendTests
{
    private static readonly Box Domain = new(new Axis("x", -1, 1), new Axis("y", 0, 2));

    /// <summary>A Poisson-like residual and a boundary term over 45 points cut into 6-point shards.</summary>
    private static CompiledTerm<T>[] Compile<T>(int slice) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var store = new ParameterStore<T>();
        var net = Network<T>.Create(NetworkFile.MlpArchitecture, store, 2, 1, NetworkShape.Parse("2x8"), TanhActivation.Instance);
        net.InitializeGlorotNormal(new Rng(5));
        var compiler = new TermCompiler<T>(net, Domain, ["u"], [0, 1], [1, 1], new Dictionary<string, double>()) { SlicePoints = slice };
        var u = new Field("u");
        var residual = LossTerm.Residual("pde", u.D("xx") + u.D("yy") - Expr.Sin(new Coordinate("x")));
        var terms = new[] { compiler.Compile(residual, _ => SamplingPlan.Fixed(45)) };
        var rng = new Rng(9);
        foreach (var t in terms) t.Prime(rng);
        return terms;
    }

    [Fact]
    public void LossAndGradientAreBitIdenticalForOneAndThreeThreads()
    {
        var one = Compile<float>(slice: 6);
        var three = Compile<float>(slice: 6);
        Assert.True(one[0].Shards.Count >= 7, "the term must be cut into several shards");
        using (var e1 = CpuBackend.Instance.CreateExecutor(one, 1)) e1.Run();
        using (var e3 = CpuBackend.Instance.CreateExecutor(three, 3))
        {
            Assert.Equal(3, e3.Threads);
            e3.Run();
        }
        Assert.Equal(one[0].Loss, three[0].Loss);
        Assert.True(one[0].Gradient.AsSpan().SequenceEqual(three[0].Gradient), "∇θ differs between 1 and 3 threads");
        Assert.True(float.IsFinite(one[0].Loss) && one[0].Loss > 0);
    }

    [Fact]
    public void ShardedRunEqualsOneWholeTapeUpToSummationOrder()
    {
        var sharded = Compile<double>(slice: 6);
        var whole = Compile<double>(slice: 1000);
        Assert.Single(whole[0].Shards);
        using (var e = CpuBackend.Instance.CreateExecutor(sharded, 2)) e.Run();
        double loss = whole[0].Forward();
        whole[0].Backward();
        Assert.Equal(loss, sharded[0].Loss, 1e-13 * Math.Abs(loss));
        double scale = whole[0].Gradient.Max(Math.Abs);
        for (int i = 0; i < whole[0].Gradient.Length; i++)
            Assert.True(Math.Abs(whole[0].Gradient[i] - sharded[0].Gradient[i]) <= 1e-12 * scale,
                $"∇θ[{i}]: whole {whole[0].Gradient[i]:R}, sharded {sharded[0].Gradient[i]:R}");
    }

    [Fact]
    public void UnknownDeviceNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ComputeBackends.Get("tpu"));
        Assert.Contains("'tpu'", e.Message);
        Assert.Contains("cpu", e.Message);
        Assert.Same(CpuBackend.Instance, ComputeBackends.Get("CPU"));
    }
}
