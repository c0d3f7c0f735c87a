using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;

namespace PinnServe.Training.Tests.Expressions;

/// <summary>
/// sin, cos, exp, log, tanh, sqrt and division of any sub-expression, in float64: ∇θ of a loss against central
/// finite differences, and input derivatives up to third order (mixed included) of such expressions against
/// nested finite differences of their values.
/// </summary>
public class ElementaryExpressionTests
{
    private static readonly Box Domain = new(new Axis("x", -1, 1), new Axis("y", 0, 2));

    private static Network<double> Net(string architecture, ulong seed)
    {
        var store = new ParameterStore<double>();
        var net = Network<double>.Create(architecture, store, 2, 2, NetworkShape.Parse("2x6"), TanhActivation.Instance);
        net.InitializeGlorotNormal(new Rng(seed));
        var rng = new Rng(seed + 7);
        foreach (var (_, bias) in net.Layers)
        {
            var b = store.Slice(bias);
            for (int i = 0; i < b.Length; i++) b[i] = rng.Uniform(-0.3, 0.3);
        }
        return net;
    }

    private static TermCompiler<double> Compiler(Network<double> net) =>
        new(net, Domain, ["u", "v"], [0, 1], [1, 1], new Dictionary<string, double> { ["a"] = 1.5 });

    /// <summary>Every function and a quotient of field derivatives, kept in each function's domain (log and sqrt of positives).</summary>
    /// <param name="derivatives">Use first derivatives of the fields inside (then at most second derivatives of the whole stay ≤ order 3).</param>
    private static Expr Rich(bool derivatives = true)
    {
        var u = new Field("u");
        var v = new Field("v");
        var x = new Coordinate("x");
        Expr ux = derivatives ? u.D("x") : u.Value, vy = derivatives ? v.D("y") : v.Value, uy = derivatives ? u.D("y") : 0.5 * u.Value;
        return Expr.Sin(ux * v) / (2 + u.Value.Pow(2))
               + Expr.Exp(0.5 * u.Value) * Expr.Log(3 + Expr.Cos(vy))
               - new Coefficient("a") * Expr.Tanh(u.Value * x) * Expr.Sqrt(1 + v.Value.Pow(2))
               + uy / (1.5 + Expr.Sin(v.Value));
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void ParameterGradientMatchesFiniteDifferences(string architecture)
    {
        var net = Net(architecture, 3);
        var term = Compiler(net).Compile(LossTerm.Residual("r", Rich(), Rich().D("xy")), _ => SamplingPlan.Fixed(12));
        term.Prime(new Rng(11));
        term.Forward();
        term.Backward();
        var analytic = (double[])term.Gradient.Clone();
        var theta = net.Parameters.Values;
        const double h = 1e-5;
        double diff = 0, norm = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            double saved = theta[i];
            theta[i] = saved + h; double plus = term.Forward();
            theta[i] = saved - h; double minus = term.Forward();
            theta[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            diff += (numeric - analytic[i]) * (numeric - analytic[i]);
            norm += numeric * numeric;
        }
        Assert.True(norm > 1e-6, $"gradient too small to be a meaningful check ({norm})");
        Assert.True(Math.Sqrt(diff) <= 1e-6 * Math.Sqrt(norm), $"relative gradient error {Math.Sqrt(diff / norm):E2}");
    }

    [Theory]
    [InlineData("x", true)]
    [InlineData("y", true)]
    [InlineData("xx", true)]
    [InlineData("xy", true)]
    [InlineData("yy", true)]
    [InlineData("x", false)]
    [InlineData("xy", false)]
    [InlineData("xxy", false)]
    [InlineData("xyy", false)]
    [InlineData("yyy", false)]
    [InlineData("xxx", false)]
    public void InputDerivativesMatchNestedFiniteDifferences(string axes, bool fieldDerivativesInside)
    {
        var net = Net(NetworkFile.ModifiedMlpArchitecture, 5);
        var compiler = Compiler(net);
        var value = compiler.CompileExpressions([Rich(fieldDerivativesInside)], 1);
        var derivative = compiler.CompileExpressions([Rich(fieldDerivativesInside).D(axes)], 4);
        double[][] sites = [[0.3, 0.7], [-0.6, 1.4], [0.9, 0.2], [-0.1, 1.9]];
        var analytic = derivative.Evaluate(sites.SelectMany(p => p).ToArray())[0];
        // h = 1e-3: truncation O(h²) and round-off O(ε/h³) both stay near 1e-7 for these smooth functions.
        const double h = 1e-3;
        double Fd(double[] p, int k)
        {
            if (k == axes.Length) return value.Evaluate(p)[0][0];
            int axis = axes[k] == 'x' ? 0 : 1;
            var plus = (double[])p.Clone(); plus[axis] += h;
            var minus = (double[])p.Clone(); minus[axis] -= h;
            return (Fd(plus, k + 1) - Fd(minus, k + 1)) / (2 * h);
        }
        for (int s = 0; s < sites.Length; s++)
        {
            double numeric = Fd(sites[s], 0);
            Assert.True(Math.Abs(numeric - analytic[s]) <= 1e-4 * (1 + Math.Abs(numeric)),
                $"d/{axes} at ({sites[s][0]}, {sites[s][1]}): symbolic {analytic[s]}, FD {numeric}");
        }
    }

    [Fact]
    public void InterpreterAgreesWithTheTape()
    {
        var net = Net(NetworkFile.MlpArchitecture, 9);
        var compiler = Compiler(net);
        var u = new Field("u");
        Expr[] pure = [Expr.Sqrt(new Coordinate("y") + 1) / Expr.Exp(new Coordinate("x")), 1 / (2 + Expr.Cos(u.Value)) + Expr.Log(new Coefficient("a"))];
        var tape = compiler.CompileExpressions(pure, 1).Evaluate([0.4, 1.1]);
        var fields = compiler.CompileExpressions([u.Value], 1).Evaluate([0.4, 1.1]);
        var coefficients = new Dictionary<string, double> { ["a"] = 1.5 };
        string[] axes = ["x", "y"];
        Assert.Equal(Math.Sqrt(2.1) / Math.Exp(0.4), ExprInterpreter.Evaluate(pure[0], [0.4, 1.1], _ => 0, coefficients, axes), 12);
        Assert.Equal(tape[0][0], ExprInterpreter.Evaluate(pure[0], [0.4, 1.1], _ => 0, coefficients, axes), 12);
        Assert.Equal(tape[1][0], ExprInterpreter.Evaluate(pure[1], [0.4, 1.1], _ => fields[0][0], coefficients, axes), 12);
    }

    [Fact]
    public void DifferentiatingAKnownClosureNamesIt()
    {
        var e = new Known("f", p => p[0]) * new Field("u").Value;
        var error = Assert.Throws<ArgumentException>(() => e.D("x"));
        Assert.Contains("'f'", error.Message);
    }
}
