using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Tensors;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>
/// The activation node runs its Faà di Bruno plans chunk by chunk (one pass over memory per layer) and, in the
/// backward pass, recomputes σ⁽ᵐ⁾ per chunk instead of keeping block-sized buffers. Each element still goes
/// through the same operations in the same order, so the jets and ∂z must equal, bit for bit, the plans run
/// block by block over block-sized σ⁽ᵐ⁾ buffers (the unfused path the device backends still take).
/// </summary>
public class FusedActivationTests
{
    /// <summary>A jet with given values that requires gradients (a stand-in for a dense layer's output).</summary>
    private sealed class GivenJet<T>(DerivativeSet set, int points, int width) : JetNode<T>(set, points, width, requiresGrad: true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public override IReadOnlyList<Node<T>>? Inputs => [];
        public override void Forward() { }
    }

    public static IEnumerable<object[]> Cases()
    {
        var sets = new (string Name, DerivativeSet Set)[]
        {
            ("1 axis, order 3", DerivativeSet.Full(1, 3)),
            ("2 axes, order 3", DerivativeSet.Full(2, 3)),
            ("t, x, xx (Allen–Cahn)", DerivativeSet.Closure(2, [[0], [1, 1]])),
            ("3 axes, order 2", DerivativeSet.Full(3, 2)),
        };
        foreach (var activation in new[] { "tanh", "sin" })
            foreach (var (name, _) in sets)
                yield return [activation, name];
    }

    private static DerivativeSet SetNamed(string name) => name switch
    {
        "1 axis, order 3" => DerivativeSet.Full(1, 3),
        "2 axes, order 3" => DerivativeSet.Full(2, 3),
        "t, x, xx (Allen–Cahn)" => DerivativeSet.Closure(2, [[0], [1, 1]]),
        _ => DerivativeSet.Full(3, 2),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedJetAndGradientEqualTheUnfusedPlans(string activation, string setName)
    {
        var set = SetNamed(setName);
        // Block lengths below, at and above a chunk, with a partial last chunk and a vector tail.
        foreach (var (points, width) in new[] { (3, 5), (16, 64), (37, 70) })
        {
            Check<float>(activation, set, points, width);
            Check<double>(activation, set, points, width);
        }
    }

    private static void Check<T>(string activationName, DerivativeSet set, int points, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)(points * 131 + width + set.Count * 7));
        var activation = Activations.Parse(activationName);
        var z = new GivenJet<T>(set, points, width);
        for (int i = 0; i < z.Length; i++) z.Value[i] = T.CreateTruncating(rng.Uniform(-1.5, 1.5));
        var node = new JetActivationNode<T>(z, activation);

        node.Forward();
        var fusedJet = (T[])node.Value.Clone();
        for (int i = 0; i < node.Grad.Length; i++) node.Grad[i] = T.CreateTruncating(rng.Uniform(-1, 1));
        node.Backward([]);
        var fusedGrad = (T[])z.Grad.Clone();

        // The unfused path: σ⁽ᵐ⁾ over the whole block, then one pass per term.
        var buffers = node.PlanBuffers.ToArray();
        var sigma = buffers[4..];
        activation.Evaluate<T>(z.Component(0), sigma, sigma.Length - 1);
        Array.Clear(node.Value);
        node.ForwardPlan.Execute(buffers, node.BlockLength);
        Assert.Equal(node.Value, fusedJet);
        Array.Clear(z.Grad);
        node.BackwardPlan.Execute(buffers, node.BlockLength);
        Assert.Equal(z.Grad, fusedGrad);
        Assert.All(fusedGrad, g => Assert.True(T.IsFinite(g)));
    }
}
