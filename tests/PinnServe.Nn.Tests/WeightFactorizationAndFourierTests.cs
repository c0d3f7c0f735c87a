using PinnServe.Autodiff.Tests;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;
using PinnServe.Nn;
using PinnServe.Tensors;

namespace PinnServe.Nn.Tests;

/// <summary>
/// Random weight factorization (W = V·diag(exp(s)), trained in s and V) and random Fourier features ([cos x̂B, sin x̂B],
/// B fixed): ∇θ against central differences, every input derivative to order 3 against differences of its parent,
/// and the network file round trip.
/// </summary>
public class WeightFactorizationAndFourierTests
{
    private static readonly WeightFactorization Rwf = new(Mean: 0.5, Std: 0.3);
    private static readonly FourierFeatures Rff = new(Count: 5, Scale: 1.5);

    public static TheoryData<string, string, bool, bool> Variants => new()
    {
        { NetworkFile.MlpArchitecture, "tanh", true, false },
        { NetworkFile.ModifiedMlpArchitecture, "sin", true, false },
        { NetworkFile.MlpArchitecture, "tanh", false, true },
        { NetworkFile.ModifiedMlpArchitecture, "tanh", false, true },
        { NetworkFile.MlpArchitecture, "sin", true, true },
        { NetworkFile.ModifiedMlpArchitecture, "tanh", true, true },
    };

    private static Network<double> Net(string architecture, string activation, bool rwf, bool rff, int outputs = 1, int axes = 2) =>
        Harness.Network(architecture, axes, outputs, "3x8", activation, 31, factorization: rwf ? Rwf : null, fourier: rff ? Rff : null);

    [Theory]
    [MemberData(nameof(Variants))]
    public void SecondOrderResidualGradient(string architecture, string activation, bool rwf, bool rff) =>
        GradientCheckTests.AssertGradientMatchesFiniteDifferences(GradientCheckTests.SecondOrderLoss(Net(architecture, activation, rwf, rff)));

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void ThirdOrderResidualGradient(string architecture)
    {
        var net = Net(architecture, "tanh", rwf: true, rff: true, outputs: 2);
        var nu = net.Parameters.Add("nu", 1, 1, ParameterKind.Coefficient, -1);
        net.Parameters.Values[nu.Offset] = 0.05;
        GradientCheckTests.AssertGradientMatchesFiniteDifferences(GradientCheckTests.ThirdOrderLoss(net, nu));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryInputDerivativeIsTheFiniteDifferenceOfItsParent(string architecture, string activation, bool rwf, bool rff)
    {
        foreach (int axes in new[] { 2, 3 })
        {
            var net = Net(architecture, activation, rwf, rff, outputs: 2, axes);
            Harness.AssertEveryComponentIsTheFiniteDifferenceOfItsParent(net, DerivativeSet.Full(axes, 3), Harness.RandomPoints(new Rng(7), 4, axes),
                $"{architecture} rwf={rwf} rff={rff} axes={axes}:");
        }
    }

    [Fact]
    public void FactorizationStartsAtTheSameWeightsAsThePlainNetwork()
    {
        var plain = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "3x8", "tanh", 3);
        var factorized = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "3x8", "tanh", 3, factorization: Rwf);
        var a = plain.ToFile(["x", "y"], ["u"], [0, 0], [1, 1], [[-1, 1], [-1, 1]]);
        var b = factorized.ToFile(["x", "y"], ["u"], [0, 0], [1, 1], [[-1, 1], [-1, 1]]);
        // The layers draw W first (same stream); s then scales V so that V·exp(s) is that W again.
        for (int l = 0; l < a.Layers.Length; l++)
        {
            Assert.Null(a.Layers[l].LogScale);
            Assert.Equal(a.Layers[l].Out, b.Layers[l].LogScale!.Length);
            for (int i = 0; i < a.Layers[l].Weights.Length; i++) Assert.Equal(a.Layers[l].Weights[i], b.Layers[l].Weights[i], 12);
        }
        Assert.Contains(factorized.Parameters.Infos, p => p.Name == "hidden_0.log_scale");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void TheNetworkFileRebuildsTheSameFunction(string architecture, string activation, bool rwf, bool rff)
    {
        var net = Net(architecture, activation, rwf, rff, outputs: 2);
        var file = net.ToFile(["x", "y"], ["u", "v"], Harness.Shift3[..2], Harness.Scale3[..2], [[-1, 1], [-1, 1]]);
        var reloaded = NetworkFile.Load(Save(file));
        Assert.Equal(rff, reloaded.FourierFeatures is not null);
        var rebuilt = Network<double>.FromFile(reloaded, new ParameterStore<double>());
        var set = DerivativeSet.Full(2, 2);
        var points = Harness.RandomPoints(new Rng(2), 6, 2);
        var a = Harness.Jet(net, set, points);
        var b = Harness.Jet(rebuilt, set, points);
        for (int i = 0; i < a.Value.Length; i++) Assert.Equal(a.Value[i], b.Value[i], 10);
    }

    [Fact]
    public void BadSettingsAreNamed()
    {
        Assert.Contains("network.fourier_features.scale", Assert.Throws<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, fourier: new FourierFeatures(4, 0))).Message);
        Assert.Contains("network.fourier_features.count", Assert.Throws<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, fourier: new FourierFeatures(0, 1))).Message);
        Assert.Contains("network.rwf.std", Assert.Throws<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, factorization: new WeightFactorization(1, -0.1))).Message);
        Assert.Contains("periodic", Assert.Throws<ArgumentException>(() => Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x4", "tanh", 1, periodic: [(0, 1.0)], fourier: Rff)).Message);
    }

    [Fact]
    public void AFactorizedNetworkRefusesAPlainFileAndAPlainOneReadsTheEffectiveWeights()
    {
        var plain = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x6", "tanh", 4);
        var factorized = Harness.Network(NetworkFile.MlpArchitecture, 2, 1, "2x6", "tanh", 4, factorization: Rwf);
        var plainFile = plain.ToFile(["x", "y"], ["u"], [0, 0], [1, 1], [[-1, 1], [-1, 1]]);
        Assert.Contains("log_scale", Assert.Throws<InvalidDataException>(() => factorized.LoadFrom(plainFile)).Message);
        var factorizedFile = factorized.ToFile(["x", "y"], ["u"], [0, 0], [1, 1], [[-1, 1], [-1, 1]]);
        plain.LoadFrom(factorizedFile);
        var set = DerivativeSet.Full(2, 1);
        var points = Harness.RandomPoints(new Rng(8), 3, 2);
        var a = Harness.Jet(plain, set, points);
        var b = Harness.Jet(factorized, set, points);
        for (int i = 0; i < a.Value.Length; i++) Assert.Equal(b.Value[i], a.Value[i], 10);
    }

    private static string Save(NetworkFile file)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pinn-methods-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, file.ToJson());
        return path;
    }
}
