using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Nn;
using PinnServe.Tensors;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>Builds small networks and evaluates their jets at given points.</summary>
internal static class Harness
{
    public static Network<double> Network(string architecture, int inputs, int outputs, string layers, string activation, ulong seed,
        (int Axis, double Period)[]? periodic = null, WeightFactorization? factorization = null, FourierFeatures? fourier = null)
    {
        var store = new ParameterStore<double>();
        var net = PinnServe.Nn.Network<double>.Create(architecture, store, inputs, outputs, NetworkShape.Parse(layers), Activations.Parse(activation), periodic, factorization, fourier);
        net.InitializeGlorotNormal(new Rng(seed));
        // Non-zero biases so that every code path (bias on the value component only) is exercised.
        var rng = new Rng(seed + 1);
        foreach (var (_, bias) in net.Layers)
        {
            var b = store.Slice(bias);
            for (int i = 0; i < b.Length; i++) b[i] = rng.Uniform(-0.3, 0.3);
        }
        return net;
    }

    public static readonly double[] Shift3 = [0.2, -0.1, 0.5];
    public static readonly double[] Scale3 = [0.7, 1.3, 0.45];

    /// <summary>Evaluates the network's jet at <paramref name="points"/> (count × axes).</summary>
    public static JetNode<double> Jet(Network<double> net, DerivativeSet set, double[] points)
    {
        var tape = new Tape<double>(net.Parameters);
        int axes = set.Axes;
        var input = tape.Record(new JetInputNode<double>(set, points.Length / axes, Shift3.AsSpan(0, axes), Scale3.AsSpan(0, axes)));
        points.CopyTo(input.Coordinates, 0);
        var output = net.Apply(tape, input);
        tape.Forward();
        return output;
    }

    /// <summary>
    /// Order by order: ∂^α f = ∂_a ∂^β f with β = α minus one axis a, checked by a central difference of the β
    /// component (h = 1e-5, truncation ~h²), so every mixed partial in <paramref name="set"/> is pinned to the true
    /// derivative of the network.
    /// </summary>
    public static void AssertEveryComponentIsTheFiniteDifferenceOfItsParent(Network<double> net, DerivativeSet set, double[] points, string label)
    {
        int axes = set.Axes, count = points.Length / axes;
        var jet = Jet(net, set, points);
        const double h = 1e-5;
        for (int k = 1; k < set.Count; k++)
        {
            var alpha = set.Components[k];
            int axis = alpha[^1], parent = set.IndexOf(alpha[..^1]);
            var plus = (double[])points.Clone();
            var minus = (double[])points.Clone();
            for (int q = 0; q < count; q++) { plus[q * axes + axis] += h; minus[q * axes + axis] -= h; }
            var jp = Jet(net, set, plus);
            var jm = Jet(net, set, minus);
            for (int i = 0; i < jet.BlockLength; i++)
            {
                double fd = (jp.Component(parent)[i] - jm.Component(parent)[i]) / (2 * h);
                double exact = jet.Component(k)[i];
                Assert.True(Math.Abs(fd - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)),
                    $"{label} component {set.Name(k, ["x", "y", "z"])} at {i}: Taylor {exact}, FD {fd}");
            }
        }
    }

    public static double[] RandomPoints(Rng rng, int count, int axes)
    {
        var p = new double[count * axes];
        for (int i = 0; i < p.Length; i++) p[i] = rng.Uniform(-1, 1);
        return p;
    }
}
