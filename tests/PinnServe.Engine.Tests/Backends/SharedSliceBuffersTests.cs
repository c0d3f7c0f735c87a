using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
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
/// Slices of one shape run on a twin tape per thread (shared buffers) must give exactly what each slice's own tape
/// gives: every term's loss and ∂L/∂θ and the pointwise values <see cref="CompiledTerm{T}.CopyValues"/> reads, bit for
/// bit, at 1, 2 and 3 threads, over steps with fresh points in between.
/// </summary>
public class SharedSliceBuffersTests
{
    private static readonly Box Domain = new(new Axis("x", -1, 1), new Axis("t", 0, 2));
    private static readonly Field U = new("u");
    private static readonly Expr Residual = U.D("t") - 0.01 * U.D("xx") + 5 * (U.D("") * U.D("") * U.D("") - U.D(""));
    private static readonly Expr Source = Expr.Sin(new Coordinate("x"));

    // An Allen–Cahn-like residual with a known source (fresh points), an initial condition and a periodic pair (a
    // partner input), each cut into more 5-point slices than threads, plus a short last slice.
    private static CompiledTerm<T>[] Compile<T>(string architecture) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var store = new ParameterStore<T>();
        var net = Network<T>.Create(architecture, store, 2, 1, NetworkShape.Parse("3x8"), TanhActivation.Instance);
        net.InitializeGlorotNormal(new Rng(3));
        var compiler = new TermCompiler<T>(net, Domain, ["u"], [0, 1], [1, 1], new Dictionary<string, double>()) { SlicePoints = 5 };
        var terms = new[]
        {
            compiler.Compile(LossTerm.Residual("pde", Residual - Source), _ => SamplingPlan.Fresh(37)),
            compiler.Compile(LossTerm.Initial("ic", new Face("t", 0), U.D("") - Expr.Cos(new Coordinate("x"))), _ => SamplingPlan.Fixed(23)),
            compiler.Compile(LossTerm.Periodic("periodic", "x", -1, 1, (U.D(""), U.Partner.D("")), (U.D("x"), U.Partner.D("x"))), _ => SamplingPlan.Fresh(16)),
        };
        var rng = new Rng(11);
        foreach (var t in terms) t.Prime(rng);
        return terms;
    }

    private sealed record Step<T>(T[] Losses, T[][] Gradients, double[] Residuals);

    private static List<Step<T>> Run<T>(string architecture, bool shared, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var terms = Compile<T>(architecture);
        var rng = new Rng(17);
        var steps = new List<Step<T>>();
        using var executor = new CpuBackend { SharedSliceBuffers = shared }.CreateExecutor(terms, threads);
        Assert.Equal(threads, executor.Threads);
        for (int step = 0; step < 3; step++)
        {
            foreach (var t in terms) t.Sample(rng);
            executor.Run();
            var residuals = new double[terms[0].PointCount(0)];
            terms[0].CopyValues(0, Residual, residuals);
            steps.Add(new Step<T>(terms.Select(t => t.Loss).ToArray(), terms.Select(t => t.Gradient.ToArray()).ToArray(), residuals));
        }
        return steps;
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, 1)]
    [InlineData(NetworkFile.MlpArchitecture, 2)]
    [InlineData(NetworkFile.MlpArchitecture, 3)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, 1)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, 3)]
    public void TwinsGiveEachSliceTheBitsOfItsOwnTape(string architecture, int threads)
    {
        AssertSame(Run<float>(architecture, shared: false, threads: 1), Run<float>(architecture, shared: true, threads));
        AssertSame(Run<double>(architecture, shared: false, threads: 1), Run<double>(architecture, shared: true, threads));
    }

    private static void AssertSame<T>(List<Step<T>> expected, List<Step<T>> actual) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int s = 0; s < expected.Count; s++)
        {
            Assert.Equal(expected[s].Losses, actual[s].Losses);
            Assert.True(T.IsFinite(expected[s].Losses[0]) && expected[s].Losses[0] > T.Zero);
            for (int t = 0; t < expected[s].Gradients.Length; t++)
                Assert.True(expected[s].Gradients[t].AsSpan().SequenceEqual(actual[s].Gradients[t]), $"step {s}, term {t}: ∂L/∂θ differs");
            Assert.True(expected[s].Residuals.AsSpan().SequenceEqual(actual[s].Residuals), $"step {s}: the residual values differ");
        }
        Assert.False(expected[0].Residuals.SequenceEqual(expected[1].Residuals), "fresh points each step");
    }

    [Fact]
    public void TheSlicesOwnLargeBuffersAreNotTouched()
    {
        // The evidence that the twins ran: a slice's own layer outputs stay as allocated (zero) while its results are set.
        var terms = Compile<float>(NetworkFile.MlpArchitecture);
        using (var executor = CpuBackend.Instance.CreateExecutor(terms, 2)) executor.Run();
        var own = terms[0].Shards[0];
        Assert.All(own.Nodes.OfType<JetLinearNode<float>>(), n => Assert.True(n.Value.All(v => v == 0)));
        Assert.NotEqual(0f, own.Output!.Value[0]);
        Assert.Contains(own.ParameterGradient, g => g != 0);
    }
}
