using PinnServe.Autodiff.Nodes;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>
/// The modified MLP's gate H = U + Z ⊙ (V − U) runs its Leibniz plans chunk by chunk (one pass over the jets' memory)
/// and recomputes D = V − U in the backward pass instead of storing it. Each element goes through the block-wise
/// version's operations in the same order, so H, ∂Z, ∂U and ∂V must equal, bit for bit, the plans run block by block
/// over block-sized D and ∂D (the unfused path the device backends take).
/// </summary>
public class FusedGateTests
{
    private sealed class GivenJet<T>(DerivativeSet set, int points, int width) : JetNode<T>(set, points, width, requiresGrad: true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public override IReadOnlyList<Node<T>>? Inputs => [];
        public override void Forward() { }
    }

    public static IEnumerable<object[]> Sets() =>
        new[] { "1 axis, order 3", "2 axes, order 3", "t, x, xx (Allen–Cahn)", "3 axes, order 2" }.Select(s => new object[] { s });

    private static DerivativeSet SetNamed(string name) => name switch
    {
        "1 axis, order 3" => DerivativeSet.Full(1, 3),
        "2 axes, order 3" => DerivativeSet.Full(2, 3),
        "t, x, xx (Allen–Cahn)" => DerivativeSet.Closure(2, [[0], [1, 1]]),
        _ => DerivativeSet.Full(3, 2),
    };

    [Theory]
    [MemberData(nameof(Sets))]
    public void FusedGateEqualsTheUnfusedPlans(string setName)
    {
        var set = SetNamed(setName);
        // Block lengths below, at and above a chunk, with a partial last chunk and a vector tail.
        foreach (var (points, width) in new[] { (3, 5), (16, 64), (37, 70) })
        {
            Check<float>(set, points, width);
            Check<double>(set, points, width);
        }
    }

    private static void Check<T>(DerivativeSet set, int points, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)(points * 131 + width + set.Count * 7));
        GivenJet<T> Jet()
        {
            var jet = new GivenJet<T>(set, points, width);
            for (int i = 0; i < jet.Length; i++) { jet.Value[i] = T.CreateTruncating(rng.Uniform(-1.5, 1.5)); jet.Grad[i] = T.CreateTruncating(rng.Uniform(-1, 1)); }
            return jet;
        }
        var (z, u, v) = (Jet(), Jet(), Jet());
        var node = new JetGateNode<T>(z, u, v);
        var grads0 = new[] { (T[])z.Grad.Clone(), (T[])u.Grad.Clone(), (T[])v.Grad.Clone() };

        node.Forward();
        var fusedValue = (T[])node.Value.Clone();
        for (int i = 0; i < node.Grad.Length; i++) node.Grad[i] = T.CreateTruncating(rng.Uniform(-1, 1));
        node.Backward([]);
        var fused = new[] { (T[])z.Grad.Clone(), (T[])u.Grad.Clone(), (T[])v.Grad.Clone() };

        // The block-wise path: D = V − U, H = U, one pass per term; ∂D = 0, one pass per term, ∂U += ∂H − ∂D, ∂V += ∂D.
        grads0[0].CopyTo(z.Grad, 0); grads0[1].CopyTo(u.Grad, 0); grads0[2].CopyTo(v.Grad, 0);
        var buffers = node.PlanBuffers.ToArray();
        var (d, dd) = (buffers[2], buffers[3]);
        for (int i = 0; i < d.Length; i++) d[i] = v.Value[i] - u.Value[i];
        u.Value.CopyTo(node.Value, 0);
        node.ForwardPlan.Execute(buffers, node.BlockLength);
        AssertBits(node.Value, fusedValue);
        Array.Clear(dd);
        node.BackwardPlan.Execute(buffers, node.BlockLength);
        for (int i = 0; i < dd.Length; i++) { u.Grad[i] += node.Grad[i]; u.Grad[i] -= dd[i]; v.Grad[i] += dd[i]; }
        AssertBits(z.Grad, fused[0]);
        AssertBits(u.Grad, fused[1]);
        AssertBits(v.Grad, fused[2]);
    }

    private static void AssertBits<T>(T[] expected, T[] actual) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]), $"element {i}: {expected[i]} vs {actual[i]}");
    }
}
