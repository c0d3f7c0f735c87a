using System.Runtime.InteropServices;
using PinnServe.Contracts;

namespace PinnServe.Tensors.Tests;

/// <summary>
/// Products with fewer output columns than a vector (a last layer's Y = X·W + b and dW += Xᵀ·dY) against the scalar
/// loops they replaced, bit for bit including signs of zeros: the same chain c ← c + a·b per element, in order.
/// </summary>
public class GemmNarrowTests
{
    private static T[] Random<T>(Rng rng, int n) where T : IBinaryFloatingPointIeee754<T>
    {
        var a = new T[n];
        for (int i = 0; i < n; i++)
            a[i] = rng.Uniform(0, 1) switch { < 0.05 => T.Zero, < 0.1 => T.NegativeZero, _ => T.CreateTruncating(rng.Uniform(-1, 1)) };
        return a;
    }

    // The loops as they were: C row by row, each C element updated in memory per p (cleared first when not accumulating).
    private static void ForwardAsBefore<T>(T[] a, T[] b, T[] c, int m, int k, int n, bool accumulate) where T : IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            if (!accumulate) Array.Clear(c, i * n, n);
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
        }
    }

    // A strided AXPY per row of A and column of B: c[p·n + j] += B[i, j]·A[i, p].
    private static void WeightGradientAsBefore<T>(T[] a, T[] b, T[] c, int m, int k, int n) where T : IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) c[p * n + j] += b[i * n + j] * a[i * k + p];
    }

    [Fact]
    public void NarrowProductsEqualTheScalarLoops()
    {
        var rng = new Rng(34);
        foreach (int m in new[] { 1, 3, 4, 5, 9, 64, 130 })
            foreach (int k in new[] { 1, 2, 7, 8, 9, 50, 129 })
                foreach (int n in new[] { 2, 3 })
                {
                    Check<float, Lane512<float>>(rng, m, k, n); Check<float, Lane256<float>>(rng, m, k, n);
                    Check<double, Lane512<double>>(rng, m, k, n); Check<double, Lane256<double>>(rng, m, k, n);
                    if (n < 4) { Check<float, Lane128<float>>(rng, m, k, n); }
                }
    }

    private static void Check<T, V>(Rng rng, int m, int k, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        if (n >= V.Count) return;   // wide enough for the vector kernels
        var a = Random<T>(rng, m * k);
        var b = Random<T>(rng, k * n);
        var start = Random<T>(rng, m * n);
        foreach (bool accumulate in new[] { false, true })
        {
            var expected = (T[])start.Clone();
            ForwardAsBefore(a, b, expected, m, k, n, accumulate);
            var actual = (T[])start.Clone();
            Gemm.Multiply<T, V>(a, b, actual, m, k, n, accumulate ? Start.Accumulate : Start.Zero, default);
            AssertBits(expected, actual, $"{typeof(V).Name} Y {m}x{k}x{n} accumulate={accumulate}");
        }
        var dy = Random<T>(rng, m * n);
        var dw0 = Random<T>(rng, k * n);
        var dwExpected = (T[])dw0.Clone();
        WeightGradientAsBefore(a, dy, dwExpected, m, k, n);
        var dwActual = (T[])dw0.Clone();
        Gemm.MultiplyTransposedA<T, V>(a, dy, dwActual, m, k, n, accumulate: true);
        AssertBits(dwExpected, dwActual, $"{typeof(V).Name} dW {m}x{k}x{n}");
    }

    private static void AssertBits<T>(T[] expected, T[] actual, string what) where T : unmanaged =>
        Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())), what);
}
