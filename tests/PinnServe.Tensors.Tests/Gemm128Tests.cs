using PinnServe.Contracts;

namespace PinnServe.Tensors.Tests;

/// <summary>
/// Gemm128's packed float32 kernels, called directly (plain Vector128 code, so they run on every machine whatever width
/// the dispatch picks), against a scalar chain of the same operations bit for bit and against the generic Lane128 tiles.
/// </summary>
public class Gemm128Tests
{
    // One in eight elements is ±0, so signed zeros pass through the starts and the products.
    private static float[] Random(Rng rng, int length)
    {
        var a = new float[length];
        for (int i = 0; i < length; i++)
        {
            double u = rng.NextDouble();
            a[i] = u < 0.0625 ? 0f : u < 0.125 ? -0f : (float)rng.Uniform(-1, 1);
        }
        return a;
    }

    /// <summary>c ← a·b + c over p in order from the start, rounded as the kernels round (one FMA or a multiply and an add).</summary>
    private static float[] Reference(float[] a, float[] b, bool transposedB, float[] start, int m, int k, int n)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = start[i * n + j];
                for (int p = 0; p < k; p++)
                {
                    float x = a[i * k + p], y = transposedB ? b[j * k + p] : b[p * n + j];
                    s = Simd.Fused ? MathF.FusedMultiplyAdd(x, y, s) : x * y + s;
                }
                c[i * n + j] = s;
            }
        return c;
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    public static IEnumerable<object[]> Shapes()
    {
        // Rows: every tile height and leftover (1…9), groups of 6 then 4 (16), 6 + 5 (17), 3 left over (129);
        // columns: padded panels only (1…7), whole panels, a padded last panel.
        foreach (int m in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 129 })
            foreach (int k in new[] { 0, 1, 9, 128 })
                foreach (int n in new[] { 1, 3, 7, 8, 9, 17, 129 })
                    yield return [m, k, n];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ProductsEqualTheScalarChainBitForBit(int m, int k, int n)
    {
        var rng = new Rng((ulong)(m * 100_003 + k * 1009 + n));
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        var c0 = Random(rng, m * n);
        var zeros = new float[m * n];

        var c = Random(rng, m * n);   // overwritten
        Gemm128.MultiplyPacked(a, b, c, m, k, n, Start.Zero, default);
        AssertBits(Reference(a, b, false, zeros, m, k, n), c, "C = A·B");

        c = (float[])c0.Clone();
        Gemm128.MultiplyPacked(a, b, c, m, k, n, Start.Accumulate, default);
        AssertBits(Reference(a, b, false, c0, m, k, n), c, "C += A·B");

        var bt = Random(rng, n * k);
        c = (float[])c0.Clone();
        Gemm128.MultiplyTransposedBPacked(a, bt, c, m, k, n, accumulate: true);
        AssertBits(Reference(a, bt, true, c0, m, k, n), c, "C += A·Bᵀ");
        c = Random(rng, m * n);
        Gemm128.MultiplyTransposedBPacked(a, bt, c, m, k, n, accumulate: false);
        AssertBits(Reference(a, bt, true, zeros, m, k, n), c, "C = A·Bᵀ");

        // The dispatching entry (packed from 16 rows and 8 columns on, else the generic Lane128 tiles it replaces) agrees
        // with the Lane128 tiles bit for bit.
        var generic = (float[])c0.Clone();
        c = (float[])c0.Clone();
        Gemm.Multiply<float, Lane128<float>>(a, b, generic, m, k, n, accumulate: true);
        Gemm128.Multiply<float>(a, b, c, m, k, n, Start.Accumulate, default);
        AssertBits(generic, c, "packed vs Lane128 tiles");
    }

    [Theory]
    [InlineData(50, 128, 128, 13)]   // the bias ends inside a group of six rows
    [InlineData(129, 9, 129, 129)]   // every row, padded last panel
    [InlineData(17, 2, 50, 0)]       // no row
    [InlineData(40, 7, 17, 12)]      // ends exactly at a group boundary
    [InlineData(7, 3, 5, 4)]         // one group, one padded panel
    public void BiasStartsTheFirstRowsOnly(int m, int k, int n, int biasRows)
    {
        var rng = new Rng((ulong)(m + 7 * k + 131 * n + biasRows));
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        var bias = Random(rng, n);
        var start = new float[m * n];
        for (int i = 0; i < Math.Min(m, biasRows); i++) bias.CopyTo(start, i * n);
        var c = Random(rng, m * n);   // overwritten
        Gemm128.MultiplyPacked(a, b, c, m, k, n, Start.Bias, bias, biasRows);
        AssertBits(Reference(a, b, false, start, m, k, n), c, "A·B + bias");
    }

    [Fact]
    public void NegativeZeroStartsAndProductsKeepTheirSign()
    {
        // −0 + (−0·x) = −0, +0 + (−0·x) = +0: the start must be the C values themselves, not a zero vector plus C.
        const int m = 18, k = 3, n = 12;
        var a = new float[m * k];
        for (int i = 0; i < a.Length; i++) a[i] = i / k % 2 == 0 ? -0f : 0f;   // even rows: every product −0
        var b = new float[k * n];
        for (int i = 0; i < b.Length; i++) b[i] = 1.5f;
        var c0 = new float[m * n];
        for (int i = 0; i < c0.Length; i++) c0[i] = i % 3 == 0 ? -0f : 0f;
        var c = (float[])c0.Clone();
        Gemm128.MultiplyPacked(a, b, c, m, k, n, Start.Accumulate, default);
        AssertBits(Reference(a, b, false, c0, m, k, n), c, "signed zeros");
        Assert.Contains(c, x => float.IsNegative(x));
        Assert.Contains(c, x => !float.IsNegative(x));
    }

    [Fact]
    public void RepeatedProductsAllocateNothing()
    {
        const int m = 64, k = 128, n = 129;
        var rng = new Rng(11);
        var a = Random(rng, m * k); var b = Random(rng, k * n); var bias = Random(rng, n); var c = new float[m * n];
        Gemm128.Multiply<float>(a, b, c, m, k, n, Start.Bias, bias, 16);
        Gemm128.MultiplyTransposedB<float>(c, b, a, m, n, k, accumulate: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 3; r++)
        {
            Gemm128.Multiply<float>(a, b, c, m, k, n, Start.Bias, bias, 16);
            Gemm128.MultiplyTransposedB<float>(c, b, a, m, n, k, accumulate: true);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
