using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>
/// A tape clears each gradient buffer just before its first writer runs backward when every node declares its
/// inputs, and clears everything up front otherwise: both must give the same ∇θ, step after step.
/// </summary>
public class GradientClearingTests
{
    /// <summary>A pass-through node that does not declare its inputs (forces up-front clearing).</summary>
    private sealed class Opaque(Node<double> a) : Node<double>(a.Length, a.RequiresGrad)
    {
        public override void Forward() => a.Value.CopyTo(Value, 0);
        public override void Backward(Span<double> parameterGradient)
        {
            for (int i = 0; i < Grad.Length; i++) a.Grad[i] += Grad[i];
        }
    }

    private static double[][] Gradients(string architecture, bool declared, bool overwrite = true)
    {
        Tape<double>.OverwriteFirstWriters = overwrite;
        try { return Run(architecture, declared); }
        finally { Tape<double>.OverwriteFirstWriters = true; }
    }

    private static double[][] Run(string architecture, bool declared)
    {
        var store = new ParameterStore<double>();
        var net = Network<double>.Create(architecture, store, 2, 1, NetworkShape.Parse("2x9"), TanhActivation.Instance);
        var rng = new Rng(5);
        net.InitializeGlorotNormal(rng);
        var set = DerivativeSet.Closure(2, [[0, 0], [1, 1], [0]]);
        var tape = new Tape<double>(store);
        var input = tape.Record(new JetInputNode<double>(set, 13, [0, 0], [1, 1]));
        var jet = net.Apply(tape, input);
        Node<double> u = tape.Record(new ComponentNode<double>(jet, 0, 0));
        if (!declared) u = tape.Record(new Opaque(u));
        var uxx = tape.Record(new ComponentNode<double>(jet, set.IndexOf([0, 0]), 0));
        var uyy = tape.Record(new ComponentNode<double>(jet, set.IndexOf([1, 1]), 0));
        var ux = tape.Record(new ComponentNode<double>(jet, set.IndexOf([0]), 0));
        // u is read twice (product and sum), u_x and u_xx feed the same node: several consumers per buffer.
        var r = tape.Record(new LinearCombinationNode<double>(tape.Record(new MultiplyNode<double>(u, ux)), 1,
            tape.Record(new LinearCombinationNode<double>(uxx, 1, tape.Record(new PowerNode<double>(u, 3)), 1)), 1));
        var bc = tape.Record(new MeanSquareNode<double>(tape.Record(new AffineNode<double>(uyy, 2, -1))));
        tape.Output = tape.Record(new ScalarSumNode<double>([tape.Record(new MeanSquareNode<double>(r)), bc]));
        var result = new List<double[]>();
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < input.Coordinates.Length; i++) input.Coordinates[i] = rng.Uniform(-1, 1);
            tape.Forward();
            tape.Backward();
            result.Add((double[])tape.ParameterGradient.Clone());
            for (int i = 0; i < store.Count; i++) store.Values[i] -= 0.05 * tape.ParameterGradient[i];
        }
        return result.ToArray();
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void JustInTimeClearingEqualsClearingUpFront(string architecture)
    {
        var lazy = Gradients(architecture, declared: true);
        var upFront = Gradients(architecture, declared: false);
        for (int step = 0; step < lazy.Length; step++)
            Assert.Equal(upFront[step], lazy[step]);
        Assert.Contains(lazy[2], g => g != 0);
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void FirstWritersOverwritingEqualsTheTapeClearing(string architecture)
    {
        // Dense layers and activations write their input's gradient when they are its first writer, and the tape skips
        // clearing it: the sums start from +0 either way, so every bit (signs of zeros included) must agree.
        var overwrite = Gradients(architecture, declared: true, overwrite: true);
        var cleared = Gradients(architecture, declared: true, overwrite: false);
        for (int step = 0; step < overwrite.Length; step++)
            Assert.Equal(cleared[step].Select(BitConverter.DoubleToInt64Bits), overwrite[step].Select(BitConverter.DoubleToInt64Bits));
    }
}
