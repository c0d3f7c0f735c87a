using System.Runtime.InteropServices;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Tests;

/// <summary>
/// The activation node sums each component's Faà di Bruno terms in registers, a few vectors of points at a time
/// (<see cref="ProductPlan{T}.ExecuteInRegisters"/>), instead of one pass per term. Per element the operations and
/// their order are ProductAccumulate's, so jets and ∂z must equal the term-by-term path bit for bit (signs of zeros
/// included): to order 3, tanh and sin, float and double, at every vector width, block lengths below, at and above
/// a chunk and a vector, accumulating into ∂z and overwriting it (a first writer).
/// </summary>
public class InRegisterTermsTests
{
    private sealed class GivenJet<T>(DerivativeSet set, int points, int width) : JetNode<T>(set, points, width, requiresGrad: true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public override IReadOnlyList<Node<T>>? Inputs => [];
        public override void Forward() { }
    }

    private static readonly DerivativeSet[] Sets =
    [
        DerivativeSet.Full(1, 3), DerivativeSet.Full(2, 3), DerivativeSet.Closure(2, [[0], [1, 1]]),
        DerivativeSet.Closure(2, [[0, 0], [1, 1]]), DerivativeSet.Full(3, 2), DerivativeSet.Full(2, 0),
        DerivativeSet.Closure(3, [[0], [1, 1], [2, 2]]), DerivativeSet.Full(2, 1), DerivativeSet.Closure(3, [[0], [1], [2, 2]]),
    ];

    [Fact]
    public void TheRegisterKernelCoversTheSecondOrderDiagonalSetsOnly()
    {
        Assert.NotNull(DiagonalTanhJet.For(DerivativeSet.Closure(2, [[0], [1, 1]])));          // Allen–Cahn, Burgers
        Assert.NotNull(DiagonalTanhJet.For(DerivativeSet.Closure(2, [[0, 0], [1, 1]])));       // Poisson 2D, Klein–Gordon
        Assert.Null(DiagonalTanhJet.For(DerivativeSet.Closure(3, [[0], [1, 1], [2, 2]])));      // 6 components: more than its registers
        Assert.NotNull(DiagonalTanhJet.For(DerivativeSet.Full(2, 1)));
        Assert.NotNull(DiagonalTanhJet.For(DerivativeSet.Full(2, 0)));
        Assert.Null(DiagonalTanhJet.For(DerivativeSet.Full(2, 2)));    // u_xy
        Assert.Null(DiagonalTanhJet.For(DerivativeSet.Full(1, 3)));    // third order
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sin")]
    public void NodeInRegistersEqualsTermByTerm(string activation)
    {
        foreach (var set in Sets)
            // Below, at and above a vector and a chunk (1,024 floats, 512 doubles), with vector tails inside chunks.
            foreach (var (points, width) in new[] { (1, 3), (3, 5), (2, 16), (16, 64), (37, 70), (2, 515), (3, 345) })
                foreach (bool overwrite in new[] { false, true })
                {
                    Node<float>(activation, set, points, width, overwrite);
                    Node<double>(activation, set, points, width, overwrite);
                }
    }

    private static void Node<T>(string activationName, DerivativeSet set, int points, int width, bool overwrite) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)(points * 977 + width * 3 + set.Count));
        var z = new GivenJet<T>(set, points, width);
        for (int i = 0; i < z.Length; i++) z.Value[i] = T.CreateTruncating(rng.Uniform(-2.0, 2.0));
        var node = new JetActivationNode<T>(z, Activations.Parse(activationName)) { OverwritesInputGrad = overwrite };
        for (int i = 0; i < node.Grad.Length; i++) node.Grad[i] = T.CreateTruncating(rng.Uniform(-1, 1));
        var previous = new T[z.Grad.Length];
        for (int i = 0; i < previous.Length; i++) previous[i] = T.CreateTruncating(rng.Uniform(-1, 1));

        (T[] Jet, T[] Gradient) Run(bool inRegisters)
        {
            node.InRegisters = inRegisters;
            Array.Fill(node.Value, T.CreateTruncating(7));   // overwritten by the forward pass either way
            node.Forward();
            previous.CopyTo(z.Grad, 0);
            node.Backward([]);
            return ((T[])node.Value.Clone(), (T[])z.Grad.Clone());
        }
        var termByTerm = Run(false);
        var inRegisters = Run(true);
        AssertBits(termByTerm.Jet, inRegisters.Jet, $"{activationName} {set} {points}x{width} jet");
        AssertBits(termByTerm.Gradient, inRegisters.Gradient, $"{activationName} {set} {points}x{width} ∂z overwrite={overwrite}");
    }

    // At the width the term-by-term path runs (ProductAccumulate's split of a span into vectors and a scalar tail
    // is the width's): the other widths are this test run with DOTNET_EnableAVX2=0 (128) or PINNSERVE_SIMD_BITS.
    [Fact]
    public void PlanInRegistersEqualsTermByTerm()
    {
        foreach (var set in Sets)
            foreach (int length in new[] { 1, 7, 8, 31, 33, 64, 1000 })
            {
                Plans<float>(set, length, PinnServe.Tensors.Simd.Bits);
                Plans<double>(set, length, PinnServe.Tensors.Simd.Bits);
            }
    }

    // The node's two plans over random buffers (σ⁽ᵐ⁾ included), block by block, at one vector width.
    private static unsafe void Plans<T>(DerivativeSet set, int length, int bits) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)(length * 31 + bits + set.Count));
        var node = new JetActivationNode<T>(new GivenJet<T>(set, 1, length), TanhActivation.Instance);
        foreach (var plan in new[] { node.ForwardPlan, node.BackwardPlan })
            foreach (bool fromZero in new[] { true, false })
            {
                var buffers = node.PlanBuffers.Select(b => b.Select(_ => T.CreateTruncating(rng.Uniform(-1.5, 1.5))).ToArray()).ToArray();
                var expected = buffers.Select(b => (T[])b.Clone()).ToArray();
                foreach (var destination in plan.Destinations)
                    if (fromZero) expected[destination.Buffer].AsSpan(destination.Block * length, length).Clear();
                var strides = Enumerable.Repeat(length, buffers.Length).ToArray();
                var bases = new int[buffers.Length];
                plan.Execute(expected, strides, bases, 0, length);
                var handles = buffers.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
                try
                {
                    var addresses = handles.Select(h => h.AddrOfPinnedObject()).ToArray();
                    plan.ExecuteInRegisters(addresses, strides, bases, 0, length, fromZero, bits);
                }
                finally { foreach (var h in handles) h.Free(); }
                for (int b = 0; b < buffers.Length; b++) AssertBits(expected[b], buffers[b], $"{set} length {length} at {bits} bits, buffer {b}, from zero {fromZero}");
            }
    }

    private static void AssertBits<T>(T[] expected, T[] actual, string what) where T : unmanaged
    {
        var e = MemoryMarshal.AsBytes(expected.AsSpan());
        var a = MemoryMarshal.AsBytes(actual.AsSpan());
        Assert.True(e.SequenceEqual(a), what);
    }
}
