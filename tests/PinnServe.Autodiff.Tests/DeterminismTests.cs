using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

public class DeterminismTests
{
    /// <summary>N Adam steps on u_xx + u_yy = q with fresh random points each step.</summary>
    private static float[] Train(ulong seed, int steps, string architecture)
    {
        var store = new ParameterStore<float>();
        var net = Network<float>.Create(architecture, store, 2, 1, NetworkShape.Parse("3x16"), TanhActivation.Instance);
        var rng = new Rng(seed);
        net.InitializeGlorotNormal(rng);
        var set = DerivativeSet.Closure(2, [[0, 0], [1, 1]]);
        var tape = new Tape<float>(store);
        var input = tape.Record(new JetInputNode<float>(set, 32, [0, 0], [1, 1]));
        var jet = net.Apply(tape, input);
        var lap = tape.Record(new LinearCombinationNode<float>(
            tape.Record(new ComponentNode<float>(jet, set.IndexOf([0, 0]), 0)), 1,
            tape.Record(new ComponentNode<float>(jet, set.IndexOf([1, 1]), 0)), 1));
        var q = tape.Record(new DataNode<float>(32));
        tape.Output = tape.Record(new MeanSquareNode<float>(tape.Record(new LinearCombinationNode<float>(lap, 1, q, -1))));
        var adam = new Adam<float>(store.Count, new ExponentialDecay(1e-3, 0.9, 1000));
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < input.Coordinates.Length; i++) input.Coordinates[i] = (float)rng.Uniform(-1, 1);
            for (int i = 0; i < 32; i++) q.Value[i] = MathF.Sin(input.Coordinates[2 * i]);
            tape.Forward();
            tape.Backward();
            adam.Update(store.Values, tape.ParameterGradient);
        }
        return (float[])store.Values.Clone();
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void SameSeedGivesBitIdenticalParameters(string architecture)
    {
        var a = Train(123, 25, architecture);
        var b = Train(123, 25, architecture);
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        var c = Train(124, 25, architecture);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void AdamMatchesHandComputedFirstSteps()
    {
        // With constant gradient g, m̂ = g and v̂ = g², so every step moves θ by −η·g/(|g| + ε).
        var adam = new Adam<double>(2, new ConstantLearningRate(0.1));
        var theta = new double[] { 1, -2 };
        for (int s = 0; s < 3; s++) adam.Update(theta, [0.5, -4]);
        Assert.Equal(1 - 3 * 0.1 * 0.5 / (0.5 + 1e-8), theta[0], 12);
        Assert.Equal(-2 + 3 * 0.1 * 4 / (4 + 1e-8), theta[1], 12);
    }

    [Fact]
    public void ExponentialDecayIsSmooth()
    {
        var s = new ExponentialDecay(1e-3, 0.9, 1000);
        Assert.Equal(1e-3, s.At(0), 15);
        Assert.Equal(0.9e-3, s.At(1000), 15);
        Assert.Equal(1e-3 * Math.Pow(0.9, 0.5), s.At(500), 15);
    }

    [Fact]
    public void NetworkFileRoundTripsWeights()
    {
        var store = new ParameterStore<double>();
        var net = Network<double>.Create(NetworkFile.ModifiedMlpArchitecture, store, 2, 2, NetworkShape.Parse("3x10"), TanhActivation.Instance);
        net.InitializeGlorotNormal(new Rng(1));
        var file = net.ToFile(["x", "y"], ["psi", "p"], [0.5, 0.5], [0.3, 0.3], [[0, 1], [0, 1]]);
        var json = file.ToJson();
        var path = Path.Combine(Path.GetTempPath(), $"net-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        var loaded = NetworkFile.Load(path);
        File.Delete(path);
        var store2 = new ParameterStore<double>();
        var net2 = Network<double>.Create(NetworkFile.ModifiedMlpArchitecture, store2, 2, 2, NetworkShape.Parse("3x10"), TanhActivation.Instance);
        net2.LoadFrom(loaded);
        Assert.Equal(store.Values, store2.Values);
        Assert.Equal(["encoder_u", "encoder_v", "hidden_0", "hidden_1", "hidden_2", "output"], loaded.Layers.Select(l => l.Name));
    }

    [Fact]
    public void LayersParserRejectsMalformedInput()
    {
        Assert.Equal(new NetworkShape(5, 50), NetworkShape.Parse("5x50"));
        var e = Assert.Throws<FormatException>(() => NetworkShape.Parse("5by50"));
        Assert.Contains("5by50", e.Message);
        Assert.Throws<FormatException>(() => NetworkShape.Parse("0x50"));
    }
}
