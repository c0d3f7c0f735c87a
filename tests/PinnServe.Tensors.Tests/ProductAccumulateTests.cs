using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Tensors.Tests;

/// <summary>Every length 0..256 so every vector tail is hit, for every factor count, in float and double.</summary>
public class ProductAccumulateTests
{
    public static IEnumerable<object[]> FactorCounts() => Enumerable.Range(1, 5).Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(FactorCounts))]
    public void MatchesScalarReferenceForEveryLength(int factors)
    {
        Run<float>(factors, 1e-6);
        Run<double>(factors, 1e-15);
    }

    private static void Run<T>(int factors, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Run<T, Lane512<T>>(factors, eps);
        Run<T, Lane256<T>>(factors, eps);
        Run<T, Lane128<T>>(factors, eps);
    }

    private static void Run<T, V>(int factors, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var rng = new Rng((ulong)factors);
        for (int n = 0; n <= 256; n++)
        {
            var f = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(rng.Uniform(-2, 2))).ToArray()).ToArray();
            var dst = Enumerable.Range(0, n).Select(_ => T.CreateTruncating(rng.Uniform(-1, 1))).ToArray();
            var expected = new double[n];
            T c = T.CreateTruncating(3);
            for (int i = 0; i < n; i++)
            {
                double p = 3;
                for (int j = 0; j < factors; j++) p *= double.CreateTruncating(f[j][i]);
                expected[i] = double.CreateTruncating(dst[i]) + p;
            }
            ProductAccumulate.Run<T, V>(dst, c, f[0], f[1], f[2], f[3], f[4], factors);
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(expected[i] - double.CreateTruncating(dst[i])) <= eps * (1 + Math.Abs(expected[i])) * 8,
                    $"n={n} i={i}: expected {expected[i]}, got {dst[i]}");
        }
    }

    [Fact]
    public void RejectsShortFactor() =>
        Assert.Throws<ArgumentException>(() => ProductAccumulate.Apply<double>(new double[4], 1.0, new double[3]));
}
