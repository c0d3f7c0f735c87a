using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>
/// Points are independent: a batch of 61 points (blocks of 3,050 elements, not a multiple of any vector width)
/// must give, point for point, what single-point evaluations give — for the jet
/// and for ∂L/∂θ — and replaying a tape on new points must not leak anything from the previous replay.
/// </summary>
public class BatchConsistencyTests
{
    private const int Points = 61; // 61 × 50 = 3,050 elements per component block.

    private static (Tape<double> Tape, JetInputNode<double> Input, JetNode<double> Jet) Build(Nn.Network<double> net, DerivativeSet set, int points)
    {
        var tape = new Tape<double>(net.Parameters);
        var input = tape.Record(new JetInputNode<double>(set, points, Harness.Shift3.AsSpan(0, 2), Harness.Scale3.AsSpan(0, 2)));
        var jet = net.Apply(tape, input);
        // L = mean over points of Σ_components Σ_outputs (jet value)², so every component's reverse path is used.
        var squares = new List<Node<double>>();
        for (int k = 0; k < set.Count; k++)
            for (int c = 0; c < jet.Width; c++)
                squares.Add(tape.Record(new MeanSquareNode<double>(tape.Record(new ComponentNode<double>(jet, k, c)))));
        tape.Output = tape.Record(new ScalarSumNode<double>(squares));
        return (tape, input, jet);
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void LargeBatchMatchesSinglePointEvaluationsAfterAReplayOnOtherPoints(string architecture)
    {
        var net = Harness.Network(architecture, 2, 2, "3x50", "tanh", 29);
        var set = DerivativeSet.Closure(2, [[0, 0, 1], [1, 1, 1], [0, 0, 0]]);
        var points = Harness.RandomPoints(new Rng(3), Points, 2);

        var (tape, input, jet) = Build(net, set, Points);
        // Replay once on other points first: overwritten buffers must not keep anything from this pass.
        Harness.RandomPoints(new Rng(4), Points, 2).CopyTo(input.Coordinates, 0);
        tape.Forward();
        tape.Backward();
        points.CopyTo(input.Coordinates, 0);
        double loss = tape.Forward();
        tape.Backward();
        var batchGradient = (double[])tape.ParameterGradient.Clone();

        var (single, singleInput, singleJet) = Build(net, set, 1);
        var summed = new double[batchGradient.Length];
        double summedLoss = 0;
        int outputs = jet.Width;
        for (int p = 0; p < Points; p++)
        {
            points.AsSpan(2 * p, 2).CopyTo(singleInput.Coordinates);
            summedLoss += single.Forward();
            single.Backward();
            for (int i = 0; i < summed.Length; i++) summed[i] += single.ParameterGradient[i] / Points;
            for (int k = 0; k < set.Count; k++)
                for (int c = 0; c < outputs; c++)
                {
                    double expected = singleJet.Component(k)[c], actual = jet.Component(k)[p * outputs + c];
                    Assert.True(Math.Abs(actual - expected) <= 1e-12 * (1 + Math.Abs(expected)),
                        $"point {p}, component {k}, output {c}: batch {actual}, single {expected}");
                }
        }
        Assert.Equal(summedLoss / Points, loss, 1e-12 * Math.Abs(loss));
        double scale = summed.Max(Math.Abs);
        Assert.True(scale > 1e-6, "gradient too small to compare");
        for (int i = 0; i < summed.Length; i++)
            Assert.True(Math.Abs(batchGradient[i] - summed[i]) <= 1e-11 * scale, $"θ[{i}]: batch {batchGradient[i]}, summed single-point {summed[i]}");
    }
}
