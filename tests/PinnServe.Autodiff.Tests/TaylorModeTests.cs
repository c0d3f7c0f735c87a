using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

public class TaylorModeTests
{
    [Fact]
    public void ClosureContainsEverySubMultiIndexAndNothingElse()
    {
        // Klein–Gordon needs u_tt and u_xx on inputs (t, x): closure {"", t, x, tt, xx} — no tx.
        var set = DerivativeSet.Closure(2, [[0, 0], [1, 1]]);
        Assert.Equal(5, set.Count);
        Assert.Equal(-1, set.IndexOf([0, 1]));
        Assert.True(set.IndexOf([1]) > 0);
        // Order 3 on two axes: 1 + 2 + 3 + 4 = 10 components; on three axes 1 + 3 + 6 + 10 = 20.
        Assert.Equal(10, DerivativeSet.Full(2, 3).Count);
        Assert.Equal(20, DerivativeSet.Full(3, 3).Count);
        Assert.Throws<ArgumentException>(() => DerivativeSet.Closure(2, [[0, 0, 0, 1]]));
    }

    [Fact]
    public void FaaDiBrunoTablesHaveBellNumberStructure()
    {
        var rules = TaylorRules.For(DerivativeSet.Full(1, 3));
        // y_xxx = σ''' z_x³ + 3 σ'' z_x z_xx + σ' z_xxx
        var terms = rules.Composition[3];
        Assert.Equal(3, terms.Length);
        Assert.Contains(terms, t => t.Order == 2 && t.Coefficient == 3);
        Assert.Contains(terms, t => t.Order == 3 && t.Coefficient == 1 && t.Factors.Length == 3);
        // (ab)_xxx = a b_xxx + 3 a_x b_xx + 3 a_xx b_x + a_xxx b
        Assert.Equal(4, rules.Product[3].Length);
        Assert.Equal(8, rules.Product[3].Sum(t => t.Coefficient));
    }

    [Theory]
    [InlineData("tanh", 2)]
    [InlineData("tanh", 3)]
    [InlineData("sin", 2)]
    [InlineData("sin", 3)]
    public void SingleNeuronMatchesAnalyticDerivatives(string activation, int axes)
    {
        // f(x) = w σ(a·x̂ + c) + d with x̂ = (x − shift)/scale, so ∂^α f = w σ^(|α|)(z) Π_i (a_i / scale_i).
        var net = Harness.Network(NetworkFile.MlpArchitecture, axes, 1, "1x1", activation, 3);
        var p = net.Parameters.Values;
        double[] a = [0.8, -1.1, 0.6];
        const double c = 0.25, w = 1.7, d = -0.4;
        var (w0, b0) = net.Layers[0];
        var (w1, b1) = net.Layers[1];
        for (int i = 0; i < axes; i++) p[w0.Offset + i] = a[i];
        p[b0.Offset] = c; p[w1.Offset] = w; p[b1.Offset] = d;

        var set = DerivativeSet.Full(axes, 3);
        var points = Harness.RandomPoints(new Rng(11), 7, axes);
        var jet = Harness.Jet(net, set, points);
        var act = Activations.Parse(activation);
        for (int q = 0; q < 7; q++)
        {
            double z = c;
            for (int i = 0; i < axes; i++) z += a[i] * (points[q * axes + i] - Harness.Shift3[i]) / Harness.Scale3[i];
            var sig = Enumerable.Range(0, 5).Select(_ => new double[1]).ToArray();
            act.Evaluate<double>([z], sig, 4);
            for (int k = 0; k < set.Count; k++)
            {
                var alpha = set.Components[k];
                double expected = w * sig[alpha.Length][0];
                foreach (var axis in alpha) expected *= a[axis] / Harness.Scale3[axis];
                if (alpha.Length == 0) expected += d;
                Assert.Equal(expected, jet.Component(k)[q], 1e-12);
            }
        }
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, "tanh", 2)]
    [InlineData(NetworkFile.MlpArchitecture, "tanh", 3)]
    [InlineData(NetworkFile.MlpArchitecture, "sin", 3)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "tanh", 2)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "tanh", 3)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "sin", 2)]
    public void EveryComponentIsTheFiniteDifferenceOfItsParent(string architecture, string activation, int axes)
    {
        // Together with the value check below this pins every mixed partial up to order 3 to the true derivative.
        var net = Harness.Network(architecture, axes, 2, "3x12", activation, 5);
        var set = DerivativeSet.Full(axes, 3);
        var points = Harness.RandomPoints(new Rng(13), 5, axes);
        var jet = Harness.Jet(net, set, points);
        Harness.AssertEveryComponentIsTheFiniteDifferenceOfItsParent(net, set, points, $"{architecture}/{activation}");
        // The value component equals a value-only evaluation.
        var valueOnly = Harness.Jet(net, DerivativeSet.Closure(axes, []), points);
        for (int i = 0; i < valueOnly.BlockLength; i++) Assert.Equal(valueOnly.Component(0)[i], jet.Component(0)[i], 1e-13);
    }

    [Fact]
    public void FloatJetsAgreeWithDoubleJets()
    {
        var netD = Harness.Network(NetworkFile.ModifiedMlpArchitecture, 2, 1, "4x20", "tanh", 9);
        var storeF = new ParameterStore<float>();
        var netF = PinnServe.Nn.Network<float>.Create(NetworkFile.ModifiedMlpArchitecture, storeF, 2, 1, PinnServe.Contracts.NetworkShape.Parse("4x20"), TanhActivation.Instance);
        for (int i = 0; i < storeF.Count; i++) storeF.Values[i] = (float)netD.Parameters.Values[i];
        var set = DerivativeSet.Full(2, 3);
        var points = Harness.RandomPoints(new Rng(1), 64, 2);
        var jd = Harness.Jet(netD, set, points);
        var tape = new Tape<float>(storeF);
        var input = tape.Record(new JetInputNode<float>(set, 64, Harness.Shift3.AsSpan(0, 2), Harness.Scale3.AsSpan(0, 2)));
        for (int i = 0; i < points.Length; i++) input.Coordinates[i] = (float)points[i];
        var jf = netF.Apply(tape, input);
        tape.Forward();
        for (int k = 0; k < set.Count; k++)
        {
            double scale = jd.Component(k).ToArray().Max(Math.Abs);
            for (int i = 0; i < jd.BlockLength; i++)
                Assert.True(Math.Abs(jd.Component(k)[i] - jf.Component(k)[i]) <= 1e-4 * Math.Max(1, scale), $"component {k}");
        }
    }

    [Fact]
    public void TanhDerivativeKernelMatchesScalarFormulaForEveryLength()
    {
        var rng = new Rng(3);
        for (int n = 0; n <= 256; n++)
        {
            var z = Enumerable.Range(0, n).Select(_ => (float)rng.Uniform(-4, 4)).ToArray();
            var d = Enumerable.Range(0, 5).Select(_ => new float[n]).ToArray();
            TanhActivation.Instance.Evaluate<float>(z, d, 4);
            for (int i = 0; i < n; i++)
            {
                double t = Math.Tanh(z[i]), s1 = 1 - t * t;
                double[] expected = [t, s1, -2 * t * s1, s1 * (6 * t * t - 2), s1 * t * (16 - 24 * t * t)];
                for (int m = 0; m <= 4; m++)
                    // float rounding of t is amplified by up to ~|dσ⁽ᵐ⁾/dt| ≤ 30 in the polynomials
                    Assert.True(Math.Abs(expected[m] - d[m][i]) <= 1e-5 * (1 + Math.Abs(expected[m])), $"n={n} i={i} order {m}: {expected[m]} vs {d[m][i]}");
            }
        }
    }

    [Fact]
    public void TanhFourthDerivativeMatchesFiniteDifferenceOfThird()
    {
        var d = Enumerable.Range(0, 5).Select(_ => new double[3]).ToArray();
        double[] z = [-1.3, 0.1, 0.9];
        TanhActivation.Instance.Evaluate<double>(z, d, 4);
        const double h = 1e-5;
        for (int i = 0; i < 3; i++)
        {
            var p = Enumerable.Range(0, 5).Select(_ => new double[1]).ToArray();
            var m = Enumerable.Range(0, 5).Select(_ => new double[1]).ToArray();
            TanhActivation.Instance.Evaluate<double>([z[i] + h], p, 4);
            TanhActivation.Instance.Evaluate<double>([z[i] - h], m, 4);
            for (int order = 1; order <= 4; order++)
                Assert.Equal((p[order - 1][0] - m[order - 1][0]) / (2 * h), d[order][i], 1e-8);
        }
    }
}
