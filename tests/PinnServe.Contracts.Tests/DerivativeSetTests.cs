using PinnServe.Contracts.Derivatives;

namespace PinnServe.Contracts.Tests;

/// <summary>The derivative components a jet carries, and the elementary functions' derivatives the chain rule uses.</summary>
public class DerivativeSetTests
{
    [Fact]
    public void ClosureHoldsEverySubMultiIndexInOrder()
    {
        // u_txx needs t, x, tx, xx (and the value) for the chain rule.
        var set = DerivativeSet.Closure(2, [[1, 0, 1]]);
        Assert.Equal(["", "t", "x", "tx", "xx", "txx"], Enumerable.Range(0, set.Count).Select(i => set.Name(i, ["t", "x"])));
        Assert.Equal(3, set.MaxOrder);
        Assert.Equal(set.IndexOf([1, 1, 0]), set.IndexOf([0, 1, 1]));
        Assert.Equal(-1, set.IndexOf([0, 0]));
    }

    [Theory]
    [InlineData(1, 3, 4)]    // value, x, xx, xxx
    [InlineData(2, 2, 6)]    // value, 2 first, 3 second
    [InlineData(3, 3, 20)]   // C(3 + 3, 3)
    public void FullSetHasEveryMultiIndexUpToTheOrder(int axes, int order, int count)
    {
        var full = DerivativeSet.Full(axes, order);
        Assert.Equal(count, full.Count);
        Assert.True(full.Contains(DerivativeSet.Closure(axes, [[0]])));
        Assert.Equal(full, DerivativeSet.Full(axes, order));
    }

    [Fact]
    public void OrdersAndAxesBeyondTheEngineAreRefused()
    {
        Assert.Contains("order 4", Assert.Throws<ArgumentException>(() => DerivativeSet.Closure(1, [[0, 0, 0, 0]])).Message);
        Assert.Contains("axis", Assert.Throws<ArgumentException>(() => DerivativeSet.Closure(2, [[2]])).Message);
    }

    [Theory]
    [InlineData(ElementaryFunction.Sin, 0.7)]
    [InlineData(ElementaryFunction.Cos, -1.3)]
    [InlineData(ElementaryFunction.Exp, 0.4)]
    [InlineData(ElementaryFunction.Log, 1.9)]
    [InlineData(ElementaryFunction.Tanh, 0.35)]
    [InlineData(ElementaryFunction.Sqrt, 2.2)]
    public void EachDerivativeIsTheCentralDifferenceOfTheOneBelow(ElementaryFunction f, double z)
    {
        const double h = 1e-5;
        for (int m = 1; m <= 3; m++)
        {
            double numeric = (f.Derivative(z + h, m - 1) - f.Derivative(z - h, m - 1)) / (2 * h);
            double exact = f.Derivative(z, m);
            Assert.True(Math.Abs(numeric - exact) <= 1e-7 * Math.Max(1, Math.Abs(exact)), $"{f.Name()}^({m})({z}): {exact} vs finite difference {numeric}");
        }
        Assert.Equal(f, ElementaryFunctions.ByName[f.Name()]);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Derivative(z, 4));
    }

    [Fact]
    public void KnownValues()
    {
        Assert.Equal(-Math.Sin(1.0), ElementaryFunction.Sin.Derivative(1.0, 2));
        Assert.Equal(2.0 / 8.0, ElementaryFunction.Log.Derivative(2.0, 3));
        Assert.Equal(0.375 / (2.0 * 16.0), ElementaryFunction.Sqrt.Derivative(4.0, 3));
        Assert.Equal(MathF.Exp(0.5f), ElementaryFunction.Exp.Derivative(0.5f, 3));
    }
}
