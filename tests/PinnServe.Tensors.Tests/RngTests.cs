using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Tensors.Tests;

public class RngTests
{
    [Fact]
    public void SameSeedSameStreamAndStateRoundTrips()
    {
        var a = new Rng(42); var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        a.NextNormal();
        var state = a.GetState();
        var expected = Enumerable.Range(0, 10).Select(_ => a.NextNormal()).ToArray();
        var c = new Rng(0);
        c.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 10).Select(_ => c.NextNormal()).ToArray());
    }

    [Fact]
    public void NormalHasUnitMomentsAndUniformIsInRange()
    {
        var rng = new Rng(7);
        var x = Enumerable.Range(0, 200_000).Select(_ => rng.NextNormal()).ToArray();
        Assert.InRange(x.Average(), -0.01, 0.01);
        Assert.InRange(x.Select(v => v * v).Average(), 0.98, 1.02);
        var u = Enumerable.Range(0, 10_000).Select(_ => rng.Uniform(-1, 3)).ToArray();
        Assert.All(u, v => Assert.InRange(v, -1, 3));
        Assert.InRange(u.Average(), 0.95, 1.05);
    }
}
