using PinnServe.Contracts;
using PinnServe.Tensors;

namespace PinnServe.Tensors.Tests;

/// <summary>
/// The tiled products (a run of tiles per call, B's panel at constant strides) against a scalar chain per element:
/// every element of C is fma(a_p, b_p, c) over p = 0…k−1 in order, from 0, the old C or the bias, so the results must
/// match bit for bit (signed zeros included) at every vector width, every remainder of rows and columns (1–9 and
/// 49–51: a 50-wide layer) and on both sides of the packing threshold (7 and 32 rows).
/// </summary>
public class GemmTileRunTests
{
    private static readonly int[] Rows = [1, 2, 5, 7, 32, 51];
    private static readonly int[] Columns = [1, 2, 3, 4, 5, 6, 7, 8, 9, 49, 50, 51];
    private static readonly int[] Inner = [1, 5, 9, 50, 51];

    [Fact]
    public void ProductsAreTheScalarChainsBitForBit()
    {
        Sweep<float, Lane256<float>>();
        Sweep<float, Lane128<float>>();
        Sweep<float, Lane512<float>>();
        Sweep<double, Lane256<double>>();
    }

    [Fact]
    public void TransposeMovesEveryElement()
    {
        foreach (int rows in new[] { 1, 3, 4, 5, 50, 51 })
            foreach (int cols in new[] { 1, 2, 4, 7, 8, 50, 51 })
            {
                var src = new float[rows * cols];
                for (int i = 0; i < src.Length; i++) src[i] = i + 1;
                var dst = new float[rows * cols + 1];
                Gemm.Transpose<float>(src, rows, cols, dst);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) Assert.Equal(src[i * cols + j], dst[j * rows + i]);
                Assert.Equal(0f, dst[rows * cols]);
            }
    }

    private static void Sweep<T, V>() where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var rng = new Rng(11);
        bool fused = typeof(V) == typeof(Lane512<T>) || Simd.HasFusedMultiplyAdd;
        foreach (int m in Rows)
            foreach (int k in Inner)
                foreach (int n in Columns)
                {
                    // Below a vector of columns the narrow paths (their own tests) take over, with unfused operations.
                    if (n < V.Count) continue;
                    var a = Values<T>(rng, m * k);
                    var b = Values<T>(rng, k * n);
                    var bias = Values<T>(rng, n);
                    var c0 = Values<T>(rng, m * n);
                    string at = $"{typeof(V).Name} m={m} k={k} n={n}";

                    var c = (T[])c0.Clone();
                    Gemm.Multiply<T, V>(a, b, c, m, k, n, accumulate: true);
                    Same(Chains(fused, m, k, n, (i, j) => c0[i * n + j], (i, p) => a[i * k + p], (p, j) => b[p * n + j]), c, "C += A·B " + at);

                    int biasRows = m / 2;
                    Gemm.Multiply<T, V>(a, b, c, m, k, n, Start.Bias, bias, biasRows);
                    Same(Chains(fused, m, k, n, (i, j) => i < biasRows ? bias[j] : T.Zero, (i, p) => a[i * k + p], (p, j) => b[p * n + j]), c, "C = A·B + b " + at);

                    // dX = dY·Wᵀ: here A[m×k]·Bᵀ with B[n×k].
                    var bt = Values<T>(rng, n * k);
                    Gemm.MultiplyTransposedB<T, V>(a, bt, c, m, k, n, accumulate: false);
                    Same(Chains(fused, m, k, n, (i, j) => T.Zero, (i, p) => a[i * k + p], (p, j) => bt[j * k + p]), c, "C = A·Bᵀ " + at);

                    // dW += Xᵀ·dY: C[k×n] over the m rows of X[m×k] and dY[m×n].
                    var dy = Values<T>(rng, m * n);
                    var w0 = Values<T>(rng, k * n);
                    var w = (T[])w0.Clone();
                    Gemm.MultiplyTransposedA<T, V>(a, dy, w, m, k, n, accumulate: true);
                    Same(Chains(fused, k, m, n, (r, j) => w0[r * n + j], (r, i) => a[i * k + r], (i, j) => dy[i * n + j]), w, "C += Aᵀ·B " + at);
                }
    }

    /// <summary>
    /// C[rows×n] with c_ij = fma(a(i, p), b(p, j), …) over p = 0…inner−1 from start(i, j); where the core has no fused
    /// multiply-add (x86 with AVX2 off) the 128- and 256-bit lanes multiply, round, then add, and so does the chain
    /// (the 512-bit lane always fuses: it runs only where AVX-512, and so FMA, exists).
    /// </summary>
    internal static T[] Chains<T>(bool fused, int rows, int inner, int n, Func<int, int, T> start, Func<int, int, T> a, Func<int, int, T> b)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var c = new T[rows * n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < n; j++)
            {
                T s = start(i, j);
                for (int p = 0; p < inner; p++) s = fused ? T.FusedMultiplyAdd(a(i, p), b(p, j), s) : a(i, p) * b(p, j) + s;
                c[i * n + j] = s;
            }
        return c;
    }

    /// <summary>Uniform values with one in ten +0 and one in ten −0 (a zero chain must keep its sign as the scalar one does).</summary>
    internal static T[] Values<T>(Rng rng, int length) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (int i = 0; i < length; i++)
        {
            double u = rng.Uniform(0, 1);
            x[i] = u < 0.1 ? T.Zero : u < 0.2 ? T.NegativeZero : T.CreateTruncating(rng.Uniform(-1, 1));
        }
        return x;
    }

    internal static void Same<T>(T[] expected, T[] actual, string what) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]) || T.IsNegative(expected[i]) != T.IsNegative(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]}, the scalar chain gives {expected[i]}");
    }
}
