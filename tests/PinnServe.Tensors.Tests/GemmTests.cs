using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Tensors.Tests;

public class GemmTests
{
    private static T[] Random<T>(Rng rng, int n) where T : IBinaryFloatingPointIeee754<T>
    {
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = T.CreateTruncating(rng.Uniform(-1, 1));
        return a;
    }

    private static double[] Reference<T>(T[] a, T[] b, T[]? c0, int m, int k, int n, bool transA) where T : IBinaryFloatingPointIeee754<T>
    {
        // transA: A is [m×k] read as Aᵀ [k×m]; the result is [k×n].
        int rows = transA ? k : m, inner = transA ? m : k;
        var c = new double[rows * n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < n; j++)
            {
                double s = c0 is null ? 0 : double.CreateTruncating(c0[i * n + j]);
                for (int p = 0; p < inner; p++)
                {
                    double av = transA ? double.CreateTruncating(a[p * k + i]) : double.CreateTruncating(a[i * k + p]);
                    s += av * double.CreateTruncating(b[p * n + j]);
                }
                c[i * n + j] = s;
            }
        return c;
    }

    private static void AssertClose<T>(double[] expected, T[] actual, int k, double eps) where T : IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = eps * (k + 1) * 2;
            Assert.True(Math.Abs(expected[i] - double.CreateTruncating(actual[i])) <= tol,
                $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    public static IEnumerable<object[]> Shapes()
    {
        int[] ms = [0, 1, 3, 4, 5, 9, 130, 600];
        int[] ks = [0, 1, 2, 3, 17, 50];
        int[] ns = [1, 2, 7, 8, 15, 16, 17, 31, 33, 50, 64, 65, 70, 80, 81, 97, 130];
        foreach (var m in ms) foreach (var k in ks) foreach (var n in ns) yield return [m, k, n];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyMatchesScalarReference(int m, int k, int n)
    {
        var rng = new Rng((ulong)(m * 10007 + k * 101 + n));
        Check<float>(rng, m, k, n, 1e-6);
        Check<double>(rng, m, k, n, 1e-14);
    }

    // Every vector width on this machine (widths it does not accelerate are emulated: slower, same results).
    private static void Check<T>(Rng rng, int m, int k, int n, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check<T, Lane512<T>>(rng, m, k, n, eps);
        Check<T, Lane256<T>>(rng, m, k, n, eps);
        Check<T, Lane128<T>>(rng, m, k, n, eps);
    }

    private static void Check<T, V>(Rng rng, int m, int k, int n, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var a = Random<T>(rng, m * k);
        var b = Random<T>(rng, k * n);
        var c0 = Random<T>(rng, m * n);
        var c = (T[])c0.Clone();
        Gemm.Multiply<T, V>(a, b, c, m, k, n, accumulate: false);
        AssertClose(Reference(a, b, null, m, k, n, false), c, k, eps);
        c = (T[])c0.Clone();
        Gemm.Multiply<T, V>(a, b, c, m, k, n, accumulate: true);
        AssertClose(Reference(a, b, c0, m, k, n, false), c, k, eps);

        // Aᵀ·B with A [m×k], B [m×n] → [k×n]
        var bt = Random<T>(rng, m * n);
        var ct0 = Random<T>(rng, k * n);
        var ct = (T[])ct0.Clone();
        Gemm.MultiplyTransposedA<T, V>(a, bt, ct, m, k, n, accumulate: false);
        AssertClose(Reference(a, bt, null, m, k, n, true), ct, m, eps);
        ct = (T[])ct0.Clone();
        Gemm.MultiplyTransposedA<T, V>(a, bt, ct, m, k, n, accumulate: true);
        AssertClose(Reference(a, bt, ct0, m, k, n, true), ct, m, eps);
    }

    [Theory]
    [InlineData(1, 3, 20)]
    [InlineData(37, 20, 20)]
    [InlineData(64, 50, 50)]
    [InlineData(9, 2, 7)]
    [InlineData(5, 0, 33)]
    public void BiasInsideTheProductEqualsProductPlusBias(int m, int k, int n)
    {
        var rng = new Rng((ulong)(m + 31 * k + 977 * n));
        Bias<float, Lane512<float>>(rng, m, k, n, 1e-6); Bias<float, Lane256<float>>(rng, m, k, n, 1e-6); Bias<float, Lane128<float>>(rng, m, k, n, 1e-6);
        Bias<double, Lane512<double>>(rng, m, k, n, 1e-14); Bias<double, Lane128<double>>(rng, m, k, n, 1e-14);
    }

    private static void Bias<T, V>(Rng rng, int m, int k, int n, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var a = Random<T>(rng, m * k);
        var b = Random<T>(rng, k * n);
        var bias = Random<T>(rng, n);
        var c = Random<T>(rng, m * n);   // overwritten
        Gemm.Multiply<T, V>(a, b, c, m, k, n, Start.Bias, bias);
        var expected = Reference(a, b, null, m, k, n, false);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) expected[i * n + j] += double.CreateTruncating(bias[j]);
        AssertClose(expected, c, k, eps);
    }

    [Theory]
    [InlineData(40, 3, 20, 12)]     // packed, bias rows end inside the first row block
    [InlineData(130, 300, 17, 50)]  // several row blocks (k·size > the block budget), the bias boundary in between
    [InlineData(600, 50, 130, 600)] // every row biased
    [InlineData(64, 50, 50, 0)]     // no row biased
    [InlineData(9, 2, 7, 4)]        // narrow: the scalar path
    public void BiasOnTheFirstRowsOnly(int m, int k, int n, int biasRows)
    {
        var rng = new Rng((ulong)(m + 7 * k + 131 * n + biasRows));
        BiasRows<float, Lane512<float>>(rng, m, k, n, biasRows, 1e-6); BiasRows<float, Lane256<float>>(rng, m, k, n, biasRows, 1e-6);
        BiasRows<float, Lane128<float>>(rng, m, k, n, biasRows, 1e-6); BiasRows<double, Lane256<double>>(rng, m, k, n, biasRows, 1e-14);
    }

    private static void BiasRows<T, V>(Rng rng, int m, int k, int n, int biasRows, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var a = Random<T>(rng, m * k);
        var b = Random<T>(rng, k * n);
        var bias = Random<T>(rng, n);
        var c = Random<T>(rng, m * n);   // overwritten
        Gemm.Multiply<T, V>(a, b, c, m, k, n, Start.Bias, bias, biasRows);
        var expected = Reference(a, b, null, m, k, n, false);
        for (int i = 0; i < Math.Min(m, biasRows); i++)
            for (int j = 0; j < n; j++) expected[i * n + j] += double.CreateTruncating(bias[j]);
        AssertClose(expected, c, k, eps);
    }

    [Theory]
    [InlineData(1, 5, 20)]
    [InlineData(31, 50, 50)]
    [InlineData(200, 128, 128)]
    [InlineData(97, 20, 33)]
    [InlineData(40, 7, 3)]
    public void TransposedBMatchesTransposeThenMultiply(int m, int k, int n)
    {
        var rng = new Rng((ulong)(3 * m + 17 * k + n));
        TransposedB<float, Lane512<float>>(rng, m, k, n); TransposedB<float, Lane256<float>>(rng, m, k, n); TransposedB<float, Lane128<float>>(rng, m, k, n);
        TransposedB<double, Lane256<double>>(rng, m, k, n);
    }

    // Bit for bit: reading Bᵀ through the packed panels must give exactly the product with an explicit transpose.
    private static void TransposedB<T, V>(Rng rng, int m, int k, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var a = Random<T>(rng, m * k);
        var b = Random<T>(rng, n * k);
        var c0 = Random<T>(rng, m * n);
        var bt = new T[k * n];
        Gemm.Transpose<T>(b, n, k, bt);
        foreach (bool accumulate in new[] { false, true })
        {
            var expected = (T[])c0.Clone();
            Gemm.Multiply<T, V>(a, bt, expected, m, k, n, accumulate);
            var actual = (T[])c0.Clone();
            Gemm.MultiplyTransposedB<T, V>(a, b, actual, m, k, n, accumulate);
            Assert.Equal(expected, actual);
        }
    }

    // A one-output layer's weight gradient keeps C in registers; per element it must be the AXPY sequence it replaces,
    // c ← c + a_ip·b_i for i = 0…m−1 (TensorPrimitives.MultiplyAdd per row), bit for bit, at every width.
    [Fact]
    public void OneOutputWeightGradientEqualsTheRowByRowAxpys()
    {
        foreach (var (m, k) in new[] { (1, 1), (3, 7), (256, 8), (33, 50), (1024, 128), (17, 130) })
        {
            OneOutput<float, Lane512<float>>(m, k); OneOutput<float, Lane256<float>>(m, k); OneOutput<float, Lane128<float>>(m, k);
            OneOutput<double, Lane512<double>>(m, k); OneOutput<double, Lane256<double>>(m, k); OneOutput<double, Lane128<double>>(m, k);
        }
    }

    private static void OneOutput<T, V>(int m, int k) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var rng = new Rng((ulong)(m * 7 + k));
        var a = Random<T>(rng, m * k);
        var b = Random<T>(rng, m);
        var c0 = Random<T>(rng, k);
        var expected = (T[])c0.Clone();
        for (int i = 0; i < m; i++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd<T>(a.AsSpan(i * k, k), b[i], expected, expected);
        var c = (T[])c0.Clone();
        Gemm.MultiplyTransposedA<T, V>(a, b, c, m, k, 1, accumulate: true);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.AsSpan())),
            $"{typeof(T).Name} {V.Count} lanes, m {m}, k {k}");
    }

    [Fact]
    public void PackedProductIsBitIdenticalToTheUnpackedOne()
    {
        // Packing and row blocking keep every element's FMA chain over p = 0..k−1, so rows computed with (m ≥ 32)
        // and without packing (one row at a time) agree exactly.
        var rng = new Rng(11);
        int m = 130, k = 300, n = 70;
        var a = Random<double>(rng, m * k);
        var b = Random<double>(rng, k * n);
        var bias = Random<double>(rng, n);
        var packed = new double[m * n];
        Gemm.Multiply<double, Lane256<double>>(a, b, packed, m, k, n, Start.Bias, bias);
        for (int i = 0; i < m; i++)
        {
            var row = new double[n];
            Gemm.Multiply<double, Lane256<double>>(a.AsSpan(i * k, k), b, row, 1, k, n, Start.Bias, bias);
            Assert.Equal(row, packed.AsSpan(i * n, n).ToArray());
        }
    }

    [Theory]
    [InlineData(0, 20)]
    [InlineData(1, 1)]
    [InlineData(300, 20)]
    [InlineData(77, 128)]
    [InlineData(5, 37)]
    public void ColumnSumsAddEveryRow(int rows, int n)
    {
        var rng = new Rng((ulong)(rows * 7 + n));
        var a = Random<double>(rng, rows * n);
        var start = Random<double>(rng, n);
        var s512 = (double[])start.Clone(); Gemm.AddColumnSums<double, Lane512<double>>(a, rows, n, s512);
        var s128 = (double[])start.Clone(); Gemm.AddColumnSums<double, Lane128<double>>(a, rows, n, s128);
        for (int j = 0; j < n; j++)
        {
            double expected = start[j];
            for (int i = 0; i < rows; i++) expected += a[i * n + j];
            Assert.Equal(expected, s512[j], 12);
            Assert.Equal(expected, s128[j], 12);
        }
    }

    [Fact]
    public void RejectsUndersizedBuffers()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[5], new float[6], new float[6], 2, 3, 2, false));
        Assert.Contains("A has 5", e.Message);
    }

    [Fact]
    public void TransposeIsExact()
    {
        var src = Enumerable.Range(0, 12).Select(i => (double)i).ToArray();
        var dst = new double[12];
        Gemm.Transpose<double>(src, 3, 4, dst);
        Assert.Equal([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], dst);
    }
}
