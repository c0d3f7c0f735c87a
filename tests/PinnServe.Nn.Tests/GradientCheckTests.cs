using PinnServe.Autodiff.Tests;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Nn.Tests;

/// <summary>∇θ of PINN losses from the tape against central finite differences in float64.</summary>
public class GradientCheckTests
{
    private static Tape<double> NewTape(Network<double> net, DerivativeSet set, int points, ulong seed, out JetNode<double> output)
    {
        var tape = new Tape<double>(net.Parameters);
        var input = tape.Record(new JetInputNode<double>(set, points, Harness.Shift3.AsSpan(0, set.Axes), Harness.Scale3.AsSpan(0, set.Axes)));
        Harness.RandomPoints(new Rng(seed), points, set.Axes).CopyTo(input.Coordinates, 0);
        output = net.Apply(tape, input);
        return tape;
    }

    private static Node<double> C(Tape<double> tape, JetNode<double> jet, int[] alpha, int column = 0) =>
        tape.Record(new ComponentNode<double>(jet, jet.Set.IndexOf(alpha), column));

    private static Node<double> Data(Tape<double> tape, int n, ulong seed)
    {
        var node = tape.Record(new DataNode<double>(n));
        var rng = new Rng(seed);
        for (int i = 0; i < n; i++) node.Value[i] = rng.Uniform(-1, 1);
        return node;
    }

    /// <summary>Helmholtz-like: r = u_xx + u_yy + k²u + u³ − q (second derivatives, a nonlinearity).</summary>
    internal static Tape<double> SecondOrderLoss(Network<double> net)
    {
        var set = DerivativeSet.Closure(2, [[0, 0], [1, 1]]);
        var tape = NewTape(net, set, 16, 21, out var jet);
        var u = C(tape, jet, []);
        var lap = tape.Record(new LinearCombinationNode<double>(C(tape, jet, [0, 0]), 1, C(tape, jet, [1, 1]), 1));
        var helm = tape.Record(new LinearCombinationNode<double>(lap, 1, u, 4.0));
        var withCube = tape.Record(new LinearCombinationNode<double>(helm, 1, tape.Record(new PowerNode<double>(u, 3)), 1));
        var r = tape.Record(new LinearCombinationNode<double>(withCube, 1, Data(tape, 16, 5), -1));
        tape.Output = tape.Record(new MeanSquareNode<double>(r));
        return tape;
    }

    /// <summary>Cavity-like ψ–p momentum residual with third derivatives and a trainable viscosity:
    /// r = ψ_y ψ_xy − ψ_x ψ_yy + p_x − ν (ψ_xxy + ψ_yyy), plus a boundary term on ψ_y.</summary>
    internal static Tape<double> ThirdOrderLoss(Network<double> net, ParameterInfo nu)
    {
        var set = DerivativeSet.Closure(2, [[0, 0, 1], [1, 1, 1], [0, 1], [0]]);
        var tape = NewTape(net, set, 12, 22, out var jet);
        var psiY = C(tape, jet, [1]);
        var psiX = C(tape, jet, [0]);
        var convection = tape.Record(new LinearCombinationNode<double>(
            tape.Record(new MultiplyNode<double>(psiY, C(tape, jet, [0, 1]))), 1,
            tape.Record(new MultiplyNode<double>(psiX, C(tape, jet, [1, 1]))), -1));
        var pressure = C(tape, jet, [0], column: 1);
        var viscous = tape.Record(new LinearCombinationNode<double>(C(tape, jet, [0, 0, 1]), 1, C(tape, jet, [1, 1, 1]), 1));
        var nuViscous = tape.Record(new CoefficientScaleNode<double>(viscous, net.Parameters, nu));
        var r = tape.Record(new LinearCombinationNode<double>(
            tape.Record(new LinearCombinationNode<double>(convection, 1, pressure, 1)), 1, nuViscous, -1));
        var momentum = tape.Record(new MeanSquareNode<double>(r));
        var wall = tape.Record(new MeanSquareNode<double>(tape.Record(new AffineNode<double>(psiY, 1, -1))));
        tape.Output = tape.Record(new ScalarSumNode<double>([momentum, wall]));
        return tape;
    }

    internal static void AssertGradientMatchesFiniteDifferences(Tape<double> tape)
    {
        tape.Forward();
        tape.Backward();
        var analytic = (double[])tape.ParameterGradient.Clone();
        var theta = tape.Parameters.Values;
        var numeric = new double[theta.Length];
        const double h = 1e-5;
        for (int i = 0; i < theta.Length; i++)
        {
            double saved = theta[i];
            theta[i] = saved + h; double plus = tape.Forward();
            theta[i] = saved - h; double minus = tape.Forward();
            theta[i] = saved;
            numeric[i] = (plus - minus) / (2 * h);
        }
        double diff = Math.Sqrt(analytic.Zip(numeric, (a, b) => (a - b) * (a - b)).Sum());
        double norm = Math.Sqrt(numeric.Sum(v => v * v));
        Assert.True(norm > 1e-3, $"gradient too small to be a meaningful check ({norm})");
        Assert.True(diff <= 1e-6 * norm, $"relative gradient error {diff / norm:E2} over {theta.Length} parameters");
        double max = numeric.Max(Math.Abs);
        for (int i = 0; i < theta.Length; i++)
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= 1e-6 * max,
                $"{tape.Parameters.Infos.First(p => i >= p.Offset && i < p.Offset + p.Length).Name}[{i}]: tape {analytic[i]}, FD {numeric[i]}");
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, "tanh")]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "tanh")]
    [InlineData(NetworkFile.MlpArchitecture, "sin")]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "sin")]
    public void SecondOrderResidualGradient(string architecture, string activation) =>
        AssertGradientMatchesFiniteDifferences(SecondOrderLoss(Harness.Network(architecture, 2, 1, "3x8", activation, 17)));

    // Periodic features are constants of θ, but they change every first-layer product that ∇θ flows through.
    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, "tanh")]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "sin")]
    public void SecondOrderResidualGradientThroughPeriodicFeatures(string architecture, string activation) =>
        AssertGradientMatchesFiniteDifferences(SecondOrderLoss(Harness.Network(architecture, 2, 1, "3x8", activation, 23, periodic: [(0, 1.7)])));

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void ThirdOrderResidualGradientWithTrainableCoefficient(string architecture)
    {
        var net = Harness.Network(architecture, 2, 2, "3x8", "tanh", 19);
        var nu = net.Parameters.Add("nu", 1, 1, ParameterKind.Coefficient, -1);
        net.Parameters.Values[nu.Offset] = 0.05;
        AssertGradientMatchesFiniteDifferences(ThirdOrderLoss(net, nu));
    }
}
