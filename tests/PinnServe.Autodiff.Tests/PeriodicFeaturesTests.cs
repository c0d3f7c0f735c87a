using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>Periodic input features (cos 2πx/P, sin 2πx/P): their jets, and the network's exact periodicity.</summary>
public class PeriodicFeaturesTests
{
    public static TheoryData<string, int, int> Cases => new()
    {
        { NetworkFile.MlpArchitecture, 2, 1 },
        { NetworkFile.ModifiedMlpArchitecture, 2, 0 },
        { NetworkFile.MlpArchitecture, 3, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryComponentIsTheFiniteDifferenceOfItsParent(string architecture, int axes, int periodicAxis)
    {
        // As TaylorModeTests does for plain inputs, so the features' closed-form derivatives (and the zero mixed
        // ones) are pinned up to order 3.
        var net = Harness.Network(architecture, axes, 2, "3x12", "tanh", 5, periodic: [(periodicAxis, 1.3)]);
        Harness.AssertEveryComponentIsTheFiniteDifferenceOfItsParent(net, DerivativeSet.Full(axes, 3), Harness.RandomPoints(new Rng(17), 5, axes),
            $"{architecture} periodic axis {periodicAxis}:");
    }

    [Fact]
    public void TheNetworkAndEveryDerivativeRepeatWithThePeriod()
    {
        const double period = 2.0;
        var net = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "3x16", "tanh", 9, periodic: [(1, period)]);
        var set = DerivativeSet.Full(2, 3);
        var points = Harness.RandomPoints(new Rng(3), 7, 2);
        var shifted = (double[])points.Clone();
        for (int q = 0; q < 7; q++) shifted[q * 2 + 1] += 3 * period;
        var a = Harness.Jet(net, set, points);
        var b = Harness.Jet(net, set, shifted);
        double largest = 0;
        for (int k = 0; k < set.Count; k++)
            for (int i = 0; i < a.BlockLength; i++)
            {
                largest = Math.Max(largest, Math.Abs(a.Component(k)[i]));
                Assert.True(Math.Abs(a.Component(k)[i] - b.Component(k)[i]) <= 1e-11 * Math.Max(1, Math.Abs(a.Component(k)[i])),
                    $"component {set.Name(k, ["t", "x"])} at {i}: {a.Component(k)[i]} at x, {b.Component(k)[i]} at x + 3P");
            }
        Assert.True(largest > 1e-2, "the jet must not be trivially zero");

        // Without the features the same check fails: it can tell periodic from not.
        var plain = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "3x16", "tanh", 9);
        Assert.NotEqual(Harness.Jet(plain, set, points).Component(0)[0], Harness.Jet(plain, set, shifted).Component(0)[0], 6);
    }

    [Fact]
    public void FeaturesAreComputedFromTheCoordinatesAndRejectBadAxes()
    {
        var net = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, periodic: [(0, 1.0)]);
        Assert.Equal(2, net.Inputs);
        Assert.Equal(3, net.Layers[0].Weight.Rows);   // t's one column becomes cos and sin: 3 features
        Assert.Equal([(0, 1.0)], net.PeriodicInputs);
        var file = net.ToFile(["t", "x"], ["u"], [0, 0], [1, 1], [[0, 1], [-1, 1]]);
        Assert.Equal([new PeriodicInput("t", 1.0)], file.PeriodicInputs!);

        // A network file from a network without the features cannot be loaded into one with them, and vice versa.
        var plain = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1);
        var e = Assert.Throws<InvalidDataException>(() => plain.LoadFrom(file));
        Assert.Contains("periodic inputs [t (period 1)]", e.Message);

        var tape = new Tape<double>(net.Parameters);
        var data = tape.Record(new JetInputNode<double>(DerivativeSet.Closure(2, []), 3, [0, 0], [1, 1]));
        var activated = tape.Record(new JetActivationNode<double>(data, Activations.Parse("tanh")));
        Assert.Contains("input node itself", Assert.Throws<ArgumentException>(() => net.Apply(tape, activated)).Message);
        Assert.ThrowsAny<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, periodic: [(2, 1.0)]));
        Assert.ThrowsAny<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, periodic: [(1, 0.0)]));
        Assert.ThrowsAny<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, periodic: [(1, 1.0), (1, 2.0)]));
    }
}
