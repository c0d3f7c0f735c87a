using System.Runtime.InteropServices;
using PinnServe.Autodiff.Nodes;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>
/// The modified-MLP gate runs in one pass per vector of points (<see cref="GateJetKernel{T}"/>) instead of one pass per
/// Leibniz term. Per element the operations and their order are the term-by-term path's, so H, ∂Z, ∂U and ∂V must be
/// equal bit for bit (signs of zeros included: the inputs hold ±0): to order 3 in 1 and 2 axes (the cavity's sets),
/// float and double, block lengths below, at and above a vector, with and without gradients for U and V.
/// </summary>
public class GateInRegistersTests
{
    private sealed class GivenJet<T>(DerivativeSet set, int points, int width, bool requiresGrad) : JetNode<T>(set, points, width, requiresGrad)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public override IReadOnlyList<Node<T>>? Inputs => [];
        public override void Forward() { }
    }

    private static readonly DerivativeSet[] Sets =
    [
        DerivativeSet.Full(2, 3), DerivativeSet.Full(1, 3), DerivativeSet.Closure(2, [[0, 0, 1], [1, 1, 1]]),  // cavity's x-momentum set
        DerivativeSet.Closure(2, [[0, 0, 0], [0, 1, 1]]), DerivativeSet.Closure(2, [[1]]), DerivativeSet.Closure(2, [[0], [1, 1]]),
        DerivativeSet.Full(3, 2), DerivativeSet.Full(2, 0),
    ];

    [Fact]
    public void GateInRegistersEqualsTermByTerm()
    {
        foreach (var set in Sets)
            foreach (var (points, width) in new[] { (1, 3), (3, 5), (2, 4), (2, 16), (16, 64), (37, 70), (128, 50) })
                foreach (bool gradients in new[] { true, false })
                {
                    Gate<float>(set, points, width, gradients);
                    Gate<double>(set, points, width, gradients);
                }
    }

    [Fact]
    public void TheKernelIsMadeForTheGatesPlans() =>
        Assert.NotNull(typeof(JetGateNode<float>).GetField("_kernel", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(new JetGateNode<float>(new GivenJet<float>(DerivativeSet.Full(2, 3), 2, 8, true), new GivenJet<float>(DerivativeSet.Full(2, 3), 2, 8, true),
                new GivenJet<float>(DerivativeSet.Full(2, 3), 2, 8, true))));

    private static void Gate<T>(DerivativeSet set, int points, int width, bool gradients) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)(points * 977 + width * 3 + set.Count + (gradients ? 1 : 0)));
        // A few exact zeros of either sign among the values, so sums that are ±0 show their sign.
        T Value(double scale) => rng.Uniform(0, 1) switch { < 0.05 => T.Zero, < 0.1 => T.NegativeZero, _ => T.CreateTruncating(rng.Uniform(-scale, scale)) };
        var z = new GivenJet<T>(set, points, width, true);
        var u = new GivenJet<T>(set, points, width, gradients);
        var v = new GivenJet<T>(set, points, width, gradients);
        foreach (var jet in new[] { z, u, v })
            for (int i = 0; i < jet.Length; i++) jet.Value[i] = Value(1.5);
        // U and V equal in places, so V − U is +0 there.
        for (int i = 0; i < u.Length; i += 7) v.Value[i] = u.Value[i];
        var node = new JetGateNode<T>(z, u, v);
        for (int i = 0; i < node.Grad.Length; i++) node.Grad[i] = Value(1);
        var before = new[] { z, u, v }.Select(j => j.Grad.Select(_ => Value(1)).ToArray()).ToArray();

        T[][] Run(bool inRegisters)
        {
            node.InRegisters = inRegisters;
            Array.Fill(node.Value, T.CreateTruncating(7));   // overwritten by the forward pass either way
            node.Forward();
            z.Grad.AsSpan().Clear();
            before[0].CopyTo(z.Grad, 0); before[1].CopyTo(u.Grad, 0); before[2].CopyTo(v.Grad, 0);
            node.Backward([]);
            return [(T[])node.Value.Clone(), (T[])z.Grad.Clone(), (T[])u.Grad.Clone(), (T[])v.Grad.Clone()];
        }
        var termByTerm = Run(false);
        var inRegisters = Run(true);
        string[] names = ["H", "∂Z", "∂U", "∂V"];
        for (int k = 0; k < names.Length; k++)
            AssertBits(termByTerm[k], inRegisters[k], $"{typeof(T).Name} {set} {points}x{width} gradients={gradients}: {names[k]}");
    }

    private static void AssertBits<T>(T[] expected, T[] actual, string what) where T : unmanaged
    {
        var e = MemoryMarshal.AsBytes(expected.AsSpan());
        var a = MemoryMarshal.AsBytes(actual.AsSpan());
        Assert.True(e.SequenceEqual(a), what);
    }
}
